import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Message, MessageSchema } from "@chat/gen/chat/v1/message_pb.js";
import { type User, UserSchema } from "@chat/gen/chat/v1/user_pb.js";
import { type ReadState, ReadStateSchema, Role } from "@chat/gen/chat/v1/conversation_pb.js";
import type { MessageRecord, ReadStateRecord, Role as RoleName, UserRecord } from "../engines/store/interface.ts";
import { decodeContent } from "./messages/content.ts";

/**
 * Store records to API messages: one place, so that every handler shows the same thing. What needs
 * other rows (an update's target, a reply's preview) is filled by core/messages/current-state.ts.
 */
export const toMessage = (m: MessageRecord): Message => create(MessageSchema, {
  conversationId: m.conversationId, seq: BigInt(m.seq), senderId: m.senderId,
  clientMessageId: m.clientMessageId, text: m.text, sentAt: timestampFromDate(m.sentAt),
  content: decodeContent(m), replyToSeq: BigInt(m.replyToSeq ?? 0),
  ...(m.editedAt ? { editedAt: timestampFromDate(m.editedAt) } : {}),
  ...(m.deletedAt ? { deletedAt: timestampFromDate(m.deletedAt) } : {}),
  reactions: (m.reactions ?? []).map((r) => ({ emoji: r.emoji, count: r.userIds.length, userIds: r.userIds })),
});

/** A user as others see it (never the password hash); `botOwnerId` is set for a bot (see Bots.ownersOf). */
export const toUser = (u: UserRecord, botOwnerId = ""): User => create(UserSchema, {
  id: u.id, username: u.username, displayName: u.displayName, bot: botOwnerId !== "", botOwnerId,
});

/** Read marks. */
export const toReadState = (s: ReadStateRecord): ReadState => create(ReadStateSchema, {
  userId: s.userId, deliveredSeq: BigInt(s.deliveredSeq), readSeq: BigInt(s.readSeq),
});

const roles: Record<RoleName, Role> = { owner: Role.OWNER, admin: Role.ADMIN, member: Role.MEMBER };
/** Role names of the store to the API enum and back. */
export const toRole = (r: RoleName): Role => roles[r];
/** The store's name of an API role; undefined for UNSPECIFIED or unknown values. */
export const fromRole = (r: Role): RoleName | undefined =>
  (Object.keys(roles) as RoleName[]).find((k) => roles[k] === r);
