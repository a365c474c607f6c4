// What the host page tells the widget: data- attributes on the <script> tag, an optional
// window.OnDutySettings object set before the script runs, and later the window.OnDuty API.
import { SHOP_SETTINGS, YES_NO_SETTINGS } from "./context.js";
import { REQUEST_TYPES } from "./protocol.js";

function dataAttr(script, name) {
  const value = script?.dataset?.[name];
  return value === undefined || value === "" ? undefined : value;
}

function parseJson(text, what) {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    console.warn(`onduty: ignored data-${what}: not JSON`);
    return undefined;
  }
}

function truthy(value) {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "boolean") return value;
  return !["false", "0", "no", ""].includes(String(value).toLowerCase());
}

/** The server's origin: data-server, else where the script itself came from. */
function serverOrigin(script, settings) {
  const explicit = settings.server || dataAttr(script, "server");
  const base = explicit || (script && script.src) || location.href;
  return new URL(base, location.href).origin;
}

/**
 * Settings from the script tag and window.OnDutySettings (the object wins). Shape:
 * {server, queue, lang, open, siteToken, title, brandColor, prefill: {name, email, requestType, message},
 *  shop: {businessPartnerId, ..., basket: [{productId, title, quantity}]}, context: [BusinessContext]}
 */
export function readConfig(script, settings = {}) {
  const d = (name) => dataAttr(script, name);
  const shop = {};
  for (const key of SHOP_SETTINGS) {
    const value = settings.shop?.[key] ?? d(key);
    if (value !== undefined) shop[key] = YES_NO_SETTINGS.has(key) ? truthy(value) : String(value);
  }
  const basket = settings.shop?.basket ?? parseJson(d("basket"), "basket");
  if (Array.isArray(basket)) shop.basket = basket;
  const prefill = {
    name: settings.prefill?.name ?? d("name"),
    email: settings.prefill?.email ?? d("email"),
    requestType: settings.prefill?.requestType ?? d("requestType"),
    message: settings.prefill?.message ?? d("message"),
  };
  if (prefill.requestType && !REQUEST_TYPES.includes(prefill.requestType)) prefill.requestType = undefined;
  const context = settings.context ?? parseJson(d("context"), "context");
  return {
    server: serverOrigin(script, settings),
    queue: settings.queue ?? d("queue") ?? "default",
    lang: settings.lang ?? d("lang"),
    open: truthy(settings.open ?? d("open")) ?? false,
    siteToken: settings.siteToken ?? d("siteToken"),
    title: settings.title ?? d("title"),
    brandColor: settings.brandColor ?? d("brandColor"),
    prefill,
    shop,
    context: Array.isArray(context) ? context : [],
    cobrowse: {
      enabled: truthy(settings.cobrowse?.enabled ?? d("cobrowse")) ?? true,
      privateSelectors: [settings.cobrowse?.private ?? d("cobrowsePrivate")].flat().filter((s) => typeof s === "string" && s),
    },
  };
}
