// The host page's business context (seed 004) as the wire's BusinessContext list {kind, id, title, fields}.
// Kinds: web_shop (shop, catalog and page), business_partner, product, basket; then the host's own items.
// At most 8 items, 32 fields each, values as text (the server refuses anything else).

const MAX_ITEMS = 8;
const MAX_FIELDS = 32;

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

/** shop: {businessPartnerId, webShopId, catalogId, catalogVariantId, catalogArea, productId, productTitle,
 *  loginPage, basket: [{productId, title, quantity}]}; extra: BusinessContext items from the host page. */
export function businessContext(shop, extra) {
  const items = [];
  if (shop.webShopId || shop.catalogId || shop.loginPage !== undefined) {
    items.push(item("web_shop", shop.webShopId || "", "", {
      web_shop_id: shop.webShopId,
      product_catalog_id: shop.catalogId,
      catalog_variant_id: shop.catalogVariantId,
      catalog_hierarchy_area: shop.catalogArea,
      on_login_page: shop.loginPage === undefined ? undefined : String(Boolean(shop.loginPage)),
      page: location.origin + location.pathname,
    }));
  }
  if (shop.businessPartnerId) {
    items.push(item("business_partner", shop.businessPartnerId, "", { business_partner_id: shop.businessPartnerId }));
  }
  if (shop.productId) {
    items.push(item("product", shop.productId, shop.productTitle, {
      product_id: shop.productId,
      product_catalog_id: shop.catalogId,
      catalog_variant_id: shop.catalogVariantId,
      catalog_hierarchy_area: shop.catalogArea,
    }));
  }
  if (Array.isArray(shop.basket) && shop.basket.length) {
    const fields = {};
    shop.basket.slice(0, MAX_FIELDS).forEach((line, i) => {
      const qty = line.quantity ?? 1;
      const label = `${line.productId ?? ""}${line.title ? ` ${line.title}` : ""}`.trim();
      fields[`item ${String(i + 1).padStart(2, "0")}`] = `${qty} x ${label}`;
    });
    const count = shop.basket.reduce((n, line) => n + (Number(line.quantity) || 1), 0);
    items.push(item("basket", shop.basketId || "basket", `${count} item(s)`, fields));
  }
  for (const extra_item of extra || []) {
    if (!extra_item || typeof extra_item !== "object" || !extra_item.kind) continue;
    items.push(item(extra_item.kind, extra_item.id ?? "", extra_item.title, extra_item.fields));
  }
  return items.slice(0, MAX_ITEMS);
}
