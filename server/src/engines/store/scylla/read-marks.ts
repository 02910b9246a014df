import type { Cql, Statement } from "./cql.ts";

/** The WHERE clause of a member's marks row (see read_states in schema.ts). */
export const marksRow = "WHERE conversation_id = ? AND user_id = ? AND joined_at = ?";

/** The joinedAt of a member (which keys their read marks), or undefined for a non-member. */
export async function membershipOf(cql: Cql, conversationId: string, userId: string): Promise<Date | undefined> {
  const row = (await cql.execute("SELECT joined_at FROM members_by_conversation WHERE conversation_id = ? AND user_id = ?",
    [conversationId, userId])).first();
  return row?.get("joined_at") ?? undefined;
}

/**
 * The writes that raise a member's marks: each mark's value is its write timestamp, so the higher
 * mark wins in any arrival order, and a membership's deletion (at real time, far above any seq)
 * shadows a late raise of a row that no longer exists. Read implies delivered.
 */
export function markStatements(key: readonly [string, string, Date], deliveredSeq: number, readSeq: number): Statement[] {
  const delivered = Math.max(deliveredSeq, readSeq);
  return [
    { query: `UPDATE read_states USING TIMESTAMP ? SET delivered_seq = ? ${marksRow}`, params: [delivered, delivered, ...key] },
    { query: `UPDATE read_states USING TIMESTAMP ? SET read_seq = ? ${marksRow}`, params: [readSeq, readSeq, ...key] },
  ];
}
