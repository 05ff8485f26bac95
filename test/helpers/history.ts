/**
 * A workflow history as the JSON Temporal's own tools write (`temporal workflow show -o json`, the
 * Web UI's download): what replay fixtures are stored as, and what the privacy test searches.
 */
import { temporal } from '@temporalio/proto';
import type { Type } from 'protobufjs';
import { toJson } from 'protobufjs/ext/protojson';

const History = temporal.api.history.v1.History;
// At run time the proto package's message classes are protobufjs reflection types (its typings show only the static
// side).
const historyType = History as unknown as Type;

/** Proto3 JSON (enum names, RFC 3339 times, base64 bytes), indented; `Worker.runReplayHistory` reads it back. */
export function historyToJson(history: temporal.api.history.v1.IHistory): string {
  return JSON.stringify(toJson(historyType, History.fromObject(history)), null, 2);
}
