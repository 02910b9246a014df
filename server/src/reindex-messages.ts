#!/usr/bin/env node
import { loadConfig } from "./config.ts";
import { scyllaStoreOptions } from "./engines/engines.ts";
import { connectCql, parseConsistency } from "./engines/store/scylla/cql.ts";
import { indexExistingMessages } from "./engines/store/scylla/message-search-index.ts";

// Indexes every stored message of the cluster keyspace for search again (same flags and CHAT_*
// variables as main.ts), then exits: after a rolling update from a release without message search,
// for the messages that nodes of the old release stored meanwhile (migration 9 indexed those stored
// before it). Idempotent upserts that never override a newer edit or delete; a full scan of
// `messages`, so run it once, at a quiet time. See docs/search.md.
const config = loadConfig();
if (config.scyllaContactPoints.length === 0) throw new Error("reindex-messages is for the cluster store: set CHAT_SCYLLA_CONTACT_POINTS");
const options = scyllaStoreOptions(config);
const cql = await connectCql({
  contactPoints: options.contactPoints, localDataCenter: options.localDataCenter, keyspace: options.keyspace,
  consistency: parseConsistency(config.scyllaConsistency), serialConsistency: parseConsistency(config.scyllaSerialConsistency),
});
try {
  const started = Date.now();
  await indexExistingMessages(cql);
  console.error(`keyspace ${options.keyspace}: messages indexed for search in ${Math.round((Date.now() - started) / 1000)} s`);
} finally {
  await cql.close();
}
