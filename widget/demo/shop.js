// The demo shop's own script: what a real shop's page template would write. It sets
// window.OnDutySettings before onduty.js runs (this script is not async, the snippet is).
// Query parameters let the demo (and the browser tests) switch queue, language and B2B token:
//   ?queue=NAME&lang=de&token=SIGNED_SITE_TOKEN&partner=BP-ID&open=1&brand=%23e5a452&cobrowse=off
(function () {
  var params = new URLSearchParams(location.search);
  var lang = params.get("lang");
  if (lang) document.documentElement.lang = lang;
  var basket = [
    { productId: "TENT-FJELL-2", title: "Fjell 2 ultralight tent", quantity: 1 },
    { productId: "PEG-TI-8", title: "Titanium pegs, set of 8", quantity: 2 },
  ];
  var token = params.get("token");
  window.OnDutySettings = {
    queue: params.get("queue") || undefined,
    open: params.get("open") === "1",
    siteToken: token || undefined,
    title: "Nordwind support",
    brandColor: params.get("brand") || "#2f5d2a", // the shop's green
    prefill: { name: params.get("name") || undefined },
    cobrowse: params.get("cobrowse") === "off" ? { enabled: false } : undefined,
    shop: {
      businessPartnerId: params.get("partner") || (token ? "BP-100234" : undefined),
      webShopId: "NW-SHOP-DE",
      catalogId: "NW-2025",
      catalogVariantId: "EUR-DE",
      catalogArea: "Camping/Tents",
      productId: "TENT-FJELL-2",
      productTitle: "Fjell 2 ultralight tent",
      loginPage: false,
      basketId: "B-58211",
      basket: basket,
    },
  };
  document.addEventListener("DOMContentLoaded", function () {
    document.getElementById("product-crumb").textContent = "Fjell 2";
    document.getElementById("account").textContent = token ? "Signed in (B2B)" : "Guest";
    var list = document.getElementById("basket");
    basket.forEach(function (line) {
      var li = document.createElement("li");
      li.textContent = line.quantity + " × " + line.title;
      list.append(li);
    });
  });
})();
