// The host page's business context (seed 004) as the wire's BusinessContext list {kind, id, title, fields}.
// Which kinds come from which shop settings, and their field keys, is shared/context_fields.json: the one
// definition, whose labels the agent app shows. Kinds: web_shop (shop, catalog and page), business_partner,
// product, basket (one field per line); then the host's own items.
// At most 8 items, 32 fields each, values as text (the server refuses anything else).
import definition from "../../shared/context_fields.json";

const MAX_ITEMS = 8;
const MAX_FIELDS = 32;

/** Every shop setting the definition names (ids, titles, fields), in its order, without repeats. */
export const SHOP_SETTINGS = [...new Set(definition.kinds.flatMap((k) => [
  k.id_setting, k.title_setting, ...k.fields.map((f) => f.setting),
]).filter(Boolean))];

/** Settings read as yes or no (a `data-` attribute "false" is no). */
export const YES_NO_SETTINGS = new Set(definition.kinds.flatMap((k) => k.fields).filter((f) => f.yes_no)
  .map((f) => f.setting));

function clip(value, n) {
  const s = String(value ?? "");
  return s.length > n ? s.slice(0, n) : s;
}

function item(kind, id, title, fields) {
  const out = { kind: clip(kind, 64), id: clip(id, 256), title: clip(title || "", 256), fields: {} };
  for (const [k, v] of Object.entries(fields || {})) {
    if (v === undefined || v === null || v === "") continue;
    if (Object.keys(out.fields).length >= MAX_FIELDS) break;
    out.fields[clip(k, 256)] = clip(typeof v === "string" ? v : JSON.stringify(v), 4000);
  }
  return out;
}

function settingValue(shop, field) {
  const value = shop[field.setting];
  if (value === undefined) return undefined;
  return field.yes_no ? String(Boolean(value)) : value;
}

/** The items of the kinds defined with shop settings, present when one of their `when` settings is given. */
function shopItems(shop) {
  const page = { page: location.origin + location.pathname };
  return definition.kinds.filter((k) => (k.when || []).some((s) => shop[s] !== undefined && shop[s] !== ""))
    .map((k) => {
      const fields = {};
      for (const f of k.fields) fields[f.key] = f.setting ? settingValue(shop, f) : page[f.key];
      return item(k.kind, shop[k.id_setting] || "", shop[k.title_setting], fields);
    });
}

function basketItem(shop) {
  const fields = {};
  shop.basket.slice(0, MAX_FIELDS).forEach((line, i) => {
    const qty = line.quantity ?? 1;
    const label = `${line.productId ?? ""}${line.title ? ` ${line.title}` : ""}`.trim();
    fields[`item ${String(i + 1).padStart(2, "0")}`] = `${qty} x ${label}`;
  });
  const count = shop.basket.reduce((n, line) => n + (Number(line.quantity) || 1), 0);
  return item("basket", shop.basketId || "basket", `${count} item(s)`, fields);
}

/** shop: the settings named in shared/context_fields.json, and basket: [{productId, title, quantity}];
 *  extra: BusinessContext items from the host page. */
export function businessContext(shop, extra) {
  const items = shopItems(shop);
  if (Array.isArray(shop.basket) && shop.basket.length) items.push(basketItem(shop));
  for (const extra_item of extra || []) {
    if (!extra_item || typeof extra_item !== "object" || !extra_item.kind) continue;
    items.push(item(extra_item.kind, extra_item.id ?? "", extra_item.title, extra_item.fields));
  }
  return items.slice(0, MAX_ITEMS);
}
