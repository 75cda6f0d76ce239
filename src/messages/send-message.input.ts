// Inputs of the send mutations.
import { Field, ID, InputType } from "type-graphql";

@InputType()
export class SendTextMessageInput {
  @Field(() => ID)
  toJid!: string;

  @Field(() => String)
  messageText!: string;

  @Field(() => ID, { nullable: true })
  replyMessageId?: string | null;

  @Field(() => [ID], { nullable: true })
  mentionedUserJids?: string[] | null;

  @Field(() => ID, {
    nullable: true,
    description:
      "Client-chosen, globally unique id (a UUID): the same sender sending it again gets the stored message, never a duplicate; another sender reusing it gets CONFLICT.",
  })
  msgId?: string | null;
}
