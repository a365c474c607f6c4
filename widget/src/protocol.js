// The wire protocol of /ws/requestor (docs/protocol.md): one msgpack map per binary frame,
// {t: type, ...fields}. schema.json is generated from shared/messages/ (tests check it),
// so frames are checked here against the same schema the server decodes with.
// Protocol 3 (2 and later): every request carries a fresh `req` (nextReq()); the server echoes it in the one frame
// that answers it and in any `error` about it, so replies are matched by `req`, never by order.
import { Decoder, Encoder } from "@msgpack/msgpack";
import SCHEMA from "./schema.json";

export const PROTOCOL_VERSION = 3;
export const CLIENT_NAME = "onduty-widget/0.1";
export const REQUEST_TYPES = ["informational", "navigational", "sales_order", "administrative"];

const encoder = new Encoder({ ignoreUndefined: true });
const decoder = new Decoder({ maxStrLength: 65536, maxBinLength: 0, maxArrayLength: 256, maxMapLength: 64 });

export class SchemaError extends Error {}

/** Characters as the server counts them (code points, as Python's len()). */
export function chars(s) {
  let n = 0;
  for (const _ of s) n += 1; // code points, as Python's len()
  return n;
}

function check(value, spec, path) {
  if (value === null || value === undefined) {
    if (spec.nullable) return;
    throw new SchemaError(`${path}: missing`);
  }
  switch (spec.type) {
    case "str":
      if (typeof value !== "string") throw new SchemaError(`${path}: expected str`);
      if (spec.max && value.length > spec.max && chars(value) > spec.max) throw new SchemaError(`${path}: too long`);
      return;
    case "int":
      if (!Number.isInteger(value)) throw new SchemaError(`${path}: expected int`);
      return;
    case "float":
      if (typeof value !== "number") throw new SchemaError(`${path}: expected float`);
      return;
    case "bool":
      if (typeof value !== "boolean") throw new SchemaError(`${path}: expected bool`);
      return;
    case "enum":
      if (!SCHEMA.enums[spec.enum].includes(value)) throw new SchemaError(`${path}: not a ${spec.enum}`);
      return;
    case "list":
      if (!Array.isArray(value)) throw new SchemaError(`${path}: expected list`);
      if (spec.max && value.length > spec.max) throw new SchemaError(`${path}: too many items`);
      value.forEach((v, i) => check(v, spec.of, `${path}[${i}]`));
      return;
    case "map":
      if (typeof value !== "object" || Array.isArray(value)) throw new SchemaError(`${path}: expected map`);
      if (spec.max && Object.keys(value).length > spec.max) throw new SchemaError(`${path}: too many entries`);
      for (const [k, v] of Object.entries(value)) check(v, spec.of, `${path}.${k}`);
      return;
    case "record":
      checkFields(value, SCHEMA.types[spec.record], path);
      return;
    default:
      throw new SchemaError(`${path}: unknown schema type ${spec.type}`);
  }
}

function checkFields(value, fields, path) {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SchemaError(`${path}: expected a map`);
  }
  for (const key of Object.keys(value)) {
    if (key !== "t" && !(key in fields)) throw new SchemaError(`${path}: unknown field ${key}`);
  }
  for (const [name, spec] of Object.entries(fields)) {
    if (value[name] === undefined && !spec.required) continue;
    check(value[name], spec, `${path}.${name}`);
  }
}

/** Encode a client message {t, ...}; refuses anything the server's codec would refuse. */
export function encode(message) {
  const fields = SCHEMA.client[message.t];
  if (!fields) throw new SchemaError(`not a requestor message: ${message.t}`);
  checkFields(message, fields, message.t);
  return encoder.encode(message);
}

/** Decode one server frame into {t, ...}; throws SchemaError for anything off-schema. */
export function decode(bytes) {
  const message = decoder.decode(new Uint8Array(bytes));
  if (typeof message !== "object" || message === null || typeof message.t !== "string") {
    throw new SchemaError("frame is not a message map");
  }
  const fields = SCHEMA.server[message.t];
  if (!fields) throw new SchemaError(`unknown message type ${message.t}`);
  checkFields(message, fields, message.t);
  return message;
}

/** Limits the UI applies to what the requestor types, from the same schema. */
export const LIMITS = {
  name: SCHEMA.client.request_chat.name.max,
  email: SCHEMA.client.request_chat.email.max,
  text: SCHEMA.client.send.text.max,
  phone: SCHEMA.client.leave_callback.phone.max,
  ratingComment: SCHEMA.client.rate_chat.comment.max,
};

export function newId() {
  if (globalThis.crypto && crypto.randomUUID) return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

let reqCounter = 0;

/** A request id not used before in this page (so a late answer from an old connection matches nothing). */
export function nextReq() {
  reqCounter += 1;
  return `w${reqCounter.toString(36)}`;
}
