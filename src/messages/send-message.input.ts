// Inputs of the send mutations.
import { Field, ID, InputType } from "type-graphql";

@InputType({ description: "A text message to send." })
export class SendTextMessageInput {
  @Field(() => ID, { description: "The recipient: a user's jid (<username>@<XMPP_DOMAIN>) or a group's (<groupId>@mix.<XMPP_DOMAIN>)." })
  toJid!: string;

  @Field(() => String, { description: "The text: not blank, at most MAX_TEXT_LENGTH characters (a server setting, 4096 by default)." })
  messageText!: string;

  @Field(() => ID, { nullable: true, description: "The id of a message of this chat that this one replies to." })
  replyMessageId?: string | null;

  @Field(() => [ID], { nullable: true, description: "Jids of the chat's members to mention, at most 50." })
  mentionedUserJids?: string[] | null;

  @Field(() => ID, {
    nullable: true,
    description:
      "Client-chosen, globally unique id (a UUID): the same sender sending it again gets the stored message, never a duplicate; another sender reusing it gets CONFLICT.",
  })
  msgId?: string | null;
}
