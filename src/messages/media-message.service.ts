// Sending media messages: the media feature checks what the message carries (an upload of the
// right kind, or external media's metadata), the message core sends it like any other message.
import type { Viewer } from "../identity/identity.types.js";
import type { MediaKind } from "../media/media.entity.js";
import type { MediaMessageDataInput, SendFileMessageInput } from "../media/media.input.js";
import type { MediaService } from "../media/media.service.js";
import type { MessageService } from "./message.service.js";
import type { MessagePayload } from "./message-view.js";

export class MediaMessageService {
  constructor(
    private readonly media: MediaService,
    private readonly messages: MessageService,
  ) {}

  /** sendImageMessage and its siblings: a file the caller uploaded, of the mutation's kind. */
  async sendFile(viewer: Viewer, kind: MediaKind, input: SendFileMessageInput): Promise<MessagePayload> {
    return this.messages.sendMedia(viewer, input, kind, await this.media.uploaded(viewer, kind, input));
  }

  /** sendMediaMessageData: media stored elsewhere, sent as metadata only. */
  sendData(viewer: Viewer, input: MediaMessageDataInput): Promise<MessagePayload> {
    return this.messages.sendMedia(viewer, input, input.msgType, this.media.external(input));
  }
}
