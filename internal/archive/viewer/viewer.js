// Ferry's offline archive viewer: reads window.FERRY_ARCHIVE (data.js,
// loaded by <script src>, which works from file:// where fetch does not)
// and draws the account's timeline and follower chart with DOM calls only
// (no innerHTML: post text is shown as text).
(function () {
  "use strict";
  var T = {
    "en": {
      brand: "Ferry archive", followers: "Followers", posts: "Posts", more: "Show more",
      footer: "Made by Ferry. This archive opens without a server or a network; the JSON files and the manifest beside this page hold the whole record.",
      summary: "{platform} account · {n} published posts · archived {at}",
      open: "Open the live post", views: "Views", likes: "Likes", comments: "Comments", shares: "Shares", saves: "Saves",
      noReadings: "No follower readings were taken.", noPosts: "Nothing was published through this account.",
      chartDesc: "Followers from {from} to {to}", image: "Image {i} of the post"
    },
    "zh-Hant": {
      brand: "Ferry 封存", followers: "追蹤人數", posts: "貼文", more: "顯示更多",
      footer: "由 Ferry 製作。這份封存不需伺服器或網路即可開啟；本頁旁的 JSON 檔與清單（manifest）保存完整紀錄。",
      summary: "{platform} 帳號 · 已發佈 {n} 則 · 封存於 {at}",
      open: "開啟線上貼文", views: "瀏覽", likes: "讚", comments: "留言", shares: "分享", saves: "收藏",
      noReadings: "沒有追蹤人數紀錄。", noPosts: "這個帳號沒有發佈過貼文。",
      chartDesc: "追蹤人數由 {from} 到 {to}", image: "貼文第 {i} 張圖片"
    },
    "zh-Hans": {
      brand: "Ferry 归档", followers: "粉丝数", posts: "帖子", more: "显示更多",
      footer: "由 Ferry 制作。这份归档无需服务器或网络即可打开；本页旁的 JSON 文件和清单（manifest）保存完整记录。",
      summary: "{platform} 账号 · 已发布 {n} 条 · 归档于 {at}",
      open: "打开线上帖子", views: "浏览", likes: "赞", comments: "评论", shares: "转发", saves: "收藏",
      noReadings: "没有粉丝数记录。", noPosts: "这个账号没有发布过帖子。",
      chartDesc: "粉丝数从 {from} 到 {to}", image: "帖子第 {i} 张图片"
    }
  };
  var PLATFORMS = {
    "en": { weibo: "Weibo", xiaohongshu: "Xiaohongshu", facebook: "Facebook", instagram: "Instagram", telegram: "Telegram" },
    "zh-Hant": { weibo: "微博", xiaohongshu: "小紅書", facebook: "Facebook", instagram: "Instagram", telegram: "Telegram" },
    "zh-Hans": { weibo: "微博", xiaohongshu: "小红书", facebook: "Facebook", instagram: "Instagram", telegram: "Telegram" }
  };
  var PAGE = 100;
  var data = window.FERRY_ARCHIVE || { account: {}, readings: [], posts: [] };
  var posts = data.posts.filter(function (p) { return p.state === "published"; }).reverse();
  var lang = "en", shown = 0;

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs) { e.setAttribute(k, attrs[k]); }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function fill(s, args) { return s.replace(/\{(\w+)\}/g, function (_, k) { return args[k]; }); }
  function date(iso, withTime) {
    var d = new Date(iso);
    var o = withTime ? { dateStyle: "medium", timeStyle: "short" } : { dateStyle: "medium" };
    try { return new Intl.DateTimeFormat(lang, o).format(d); } catch (e) { return iso; }
  }
  function num(n) { try { return new Intl.NumberFormat(lang).format(n); } catch (e) { return String(n); } }

  function choose() {
    try { var saved = window.localStorage.getItem("ferry-archive-lang"); if (T[saved]) { return saved; } } catch (e) { /* file:// may refuse storage */ }
    var nav = (navigator.language || "en").toLowerCase();
    if (nav.indexOf("zh") === 0) { return /hans|cn|sg/.test(nav) ? "zh-Hans" : "zh-Hant"; }
    return "en";
  }

  function chart() {
    var box = document.getElementById("chart");
    box.textContent = "";
    var pts = data.readings.filter(function (r) { return r.followers !== null && r.followers !== undefined; });
    if (pts.length < 1) { box.appendChild(el("p", {}, T[lang].noReadings)); return; }
    var W = 640, H = 240, L = 56, R = 12, TOP = 12, B = 28, NS = "http://www.w3.org/2000/svg";
    var xs = pts.map(function (p) { return Date.parse(p.at); }), ys = pts.map(function (p) { return p.followers; });
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs), y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    if (x1 === x0) { x1 = x0 + 1; }
    if (y1 === y0) { y1 = y0 + 1; y0 = Math.max(0, y0 - 1); }
    function X(v) { return L + (v - x0) / (x1 - x0) * (W - L - R); }
    function Y(v) { return TOP + (1 - (v - y0) / (y1 - y0)) * (H - TOP - B); }
    function s(tag, attrs, text) { var e = document.createElementNS(NS, tag); for (var k in attrs) { e.setAttribute(k, attrs[k]); } if (text !== undefined) { e.textContent = text; } return e; }
    var desc = fill(T[lang].chartDesc, { from: num(ys[0]), to: num(ys[ys.length - 1]) });
    var svg = s("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-labelledby": "chart-t chart-d" });
    svg.appendChild(s("title", { id: "chart-t" }, T[lang].followers));
    svg.appendChild(s("desc", { id: "chart-d" }, desc));
    for (var i = 0; i <= 4; i++) {
      var v = y0 + (y1 - y0) * i / 4, y = Y(v);
      svg.appendChild(s("line", { "class": "axis", x1: L, x2: W - R, y1: y, y2: y }));
      svg.appendChild(s("text", { x: L - 6, y: y + 4, "text-anchor": "end" }, num(Math.round(v))));
    }
    svg.appendChild(s("text", { x: L, y: H - 8 }, date(pts[0].at)));
    svg.appendChild(s("text", { x: W - R, y: H - 8, "text-anchor": "end" }, date(pts[pts.length - 1].at)));
    var d = pts.map(function (p, i) { return (i ? "L" : "M") + X(xs[i]).toFixed(1) + " " + Y(ys[i]).toFixed(1); }).join(" ");
    svg.appendChild(s("path", { "class": "line", d: d }));
    box.appendChild(svg);
    box.appendChild(el("p", {}, desc));
  }

  function post(p) {
    var li = el("li", { "class": "post" });
    li.appendChild(el("time", { datetime: p.published_at }, date(p.published_at, true)));
    if (p.title) { li.appendChild(el("h3", {}, p.title)); }
    li.appendChild(el("p", { "class": "text" }, p.text));
    if (p.images && p.images.length) {
      var imgs = el("div", { "class": "images" });
      p.images.forEach(function (m, i) { imgs.appendChild(el("img", { src: m.src, alt: m.alt || fill(T[lang].image, { i: i + 1 }), loading: "lazy" })); });
      li.appendChild(imgs);
    }
    var c = p.counts || {}, ul = el("ul", { "class": "counts" });
    ["views", "likes", "comments", "shares", "saves"].forEach(function (k) {
      if (c[k] !== null && c[k] !== undefined) { ul.appendChild(el("li", {}, T[lang][k] + " " + num(c[k]))); }
    });
    if (ul.childNodes.length) { li.appendChild(ul); }
    if (p.url) { var a = el("a", { href: p.url, rel: "noopener" }, T[lang].open); li.appendChild(el("p", {}).appendChild(a).parentNode); }
    return li;
  }

  function more() {
    var ol = document.getElementById("posts");
    posts.slice(shown, shown + PAGE).forEach(function (p) { ol.appendChild(post(p)); });
    shown = Math.min(posts.length, shown + PAGE);
    document.getElementById("more").hidden = shown >= posts.length;
  }

  function render() {
    var t = T[lang];
    document.documentElement.lang = lang;
    document.title = t.brand + " · " + (data.account.name || "");
    Array.prototype.forEach.call(document.querySelectorAll("[data-t]"), function (e) { e.textContent = t[e.getAttribute("data-t")]; });
    Array.prototype.forEach.call(document.querySelectorAll("[data-lang]"), function (b) { b.setAttribute("aria-pressed", String(b.getAttribute("data-lang") === lang)); });
    document.getElementById("account").textContent = data.account.name || data.account.external_id || "";
    document.getElementById("summary").textContent = fill(t.summary, { platform: PLATFORMS[lang][data.account.platform] || data.account.platform, n: num(posts.length), at: date(data.created_at, true) });
    chart();
    var ol = document.getElementById("posts"), n = Math.max(shown, PAGE);
    ol.textContent = "";
    shown = 0;
    if (!posts.length) { ol.appendChild(el("li", {}, t.noPosts)); }
    while (shown < Math.min(n, posts.length)) { more(); }
    document.getElementById("more").hidden = shown >= posts.length;
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-lang]"), function (b) {
    b.addEventListener("click", function () {
      lang = b.getAttribute("data-lang");
      try { window.localStorage.setItem("ferry-archive-lang", lang); } catch (e) { /* ignore */ }
      render();
    });
  });
  document.getElementById("more").addEventListener("click", more);
  lang = choose();
  render();
})();
