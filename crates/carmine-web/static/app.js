// Carmine's small JavaScript. Every page works without it; it only adds: image
// previews while composing, a confirmation before what cannot be undone, waterfalls
// in rank order across columns with infinite scroll, the note carousel's controls, likes and shares without a reload, the unread badge,
// and behaviour events (what was really seen and read) for note statistics.
"use strict";

// A multipart form carries its CSRF token in its action's query (the body is read
// after the check); when a refused form comes back at that address, the token leaves
// the address bar and the history.
// A notice (`?done=`) is said once: reloading the page does not say it again.
// A page answering a post with a report (a CSV import) names, in data-replace-url,
// the page it belongs to: the address bar shows that one, and reloading reads it
// instead of posting the file again.
(function cleanAddress() {
  const home = document.querySelector("[data-replace-url]");
  if (home) {
    history.replaceState(history.state, "", home.dataset.replaceUrl);
  } else if (location.search.includes("_csrf=") || location.search.includes("done=")) {
    const params = new URLSearchParams(location.search);
    params.delete("_csrf");
    params.delete("done");
    const query = params.toString();
    history.replaceState(history.state, "", location.pathname + (query ? "?" + query : "") + location.hash);
  }
})();

// The avatar picker names the chosen file (the browser's own words stay hidden); so
// does every other file picker, on its button.
(function avatarChosen() {
  const input = document.getElementById("avatar-file");
  const out = document.getElementById("avatar-chosen");
  if (input && out) {
    input.addEventListener("change", () => { out.textContent = input.files.length ? input.files[0].name : ""; });
  }
  document.querySelectorAll(".file-picker").forEach((picker) => {
    const file = picker.querySelector("input[type=file]");
    const button = picker.querySelector(".file-button");
    if (!file || !button || file.id === "avatar-file" || file.multiple) return;
    const label = button.textContent;
    file.addEventListener("change", () => { button.textContent = file.files.length ? file.files[0].name : label; });
  });
})();

// A link to someone's #gift opens their gift sheet.
if (location.hash === "#gift") {
  const sheet = document.getElementById("gift");
  if (sheet && sheet.tagName === "DETAILS") sheet.open = true;
}

// Forms marked data-confirm ask first (deleting a note is one tap from "Edit").
document.addEventListener("submit", (event) => {
  const message = event.target.dataset && event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});

// Compose: an image-first picker. Chosen images show at once, in order (the first
// is the cover), each with its alt text and buttons to move it or take it out; the
// file input is kept in step (DataTransfer), so the form still posts the images in
// the order shown. Without JavaScript the plain file input works as before.
(function picker() {
  const input = document.getElementById("images");
  const box = document.getElementById("previews");
  if (!input || !box || !("DataTransfer" in window)) return;
  const words = box.dataset;
  let items = [];
  const sync = () => {
    const files = new DataTransfer();
    items.forEach((item) => files.items.add(item.file));
    input.files = files.files;
  };
  const button = (label, text, action) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "small ghost";
    b.textContent = text;
    b.setAttribute("aria-label", label);
    b.addEventListener("click", action);
    return b;
  };
  const move = (from, to) => {
    if (to < 0 || to >= items.length) return;
    items.splice(to, 0, items.splice(from, 1)[0]);
    sync();
    render();
  };
  const render = () => {
    box.replaceChildren(...items.map((item, i) => {
      const figure = document.createElement("figure");
      figure.className = "preview";
      const img = document.createElement("img");
      img.src = item.url;
      img.alt = item.alt || item.file.name;
      // A file that is not a picture says so, where its preview would be.
      img.addEventListener("error", () => {
        const note = document.createElement("p");
        note.className = "preview-unreadable";
        note.textContent = words.unreadable + " · " + item.file.name;
        img.replaceWith(note);
      });
      figure.appendChild(img);
      if (i === 0) {
        const cover = document.createElement("span");
        cover.className = "badge";
        cover.textContent = words.cover;
        figure.appendChild(cover);
      }
      const label = document.createElement("label");
      label.className = "alt-field";
      label.textContent = words.alt + " ";
      const alt = document.createElement("input");
      alt.name = "alt";
      alt.maxLength = 200;
      alt.value = item.alt;
      alt.addEventListener("input", () => { item.alt = alt.value; });
      label.appendChild(alt);
      figure.appendChild(label);
      const tools = document.createElement("div");
      tools.className = "preview-tools";
      tools.append(
        button(words.earlier, "←", () => move(i, i - 1)),
        button(words.later, "→", () => move(i, i + 1)),
        button(words.remove, "×", () => {
          URL.revokeObjectURL(item.url);
          items.splice(i, 1);
          sync();
          render();
        }),
      );
      figure.appendChild(tools);
      return figure;
    }));
  };
  input.addEventListener("change", () => {
    // A new pick adds to the images already chosen (18 at most).
    const picked = Array.from(input.files).filter((f) => !items.some((i) => i.file === f));
    for (const file of picked.slice(0, Math.max(0, 18 - items.length))) {
      items.push({ file, url: URL.createObjectURL(file), alt: "" });
    }
    sync();
    render();
  });
})();

// Character counters at the real limits (characters, as the server counts them).
(function counters() {
  document.querySelectorAll("[data-counter]").forEach((field) => {
    const counter = document.getElementById(field.dataset.counter);
    if (!counter) return;
    const show = () => {
      const used = Array.from(field.value).length;
      counter.textContent = `${used}/${field.maxLength}`;
      counter.classList.toggle("over", used >= field.maxLength);
    };
    field.addEventListener("input", show);
    show();
  });
})();

// Compose: typing a #topic offers topics people use (with pinyin for Chinese).
(function topicSuggestions() {
  const field = document.querySelector("[data-topic-suggest]");
  if (!field) return;
  const box = document.getElementById(field.dataset.topicSuggest);
  let timer = null;
  const typedTopic = () => {
    const before = field.value.slice(0, field.selectionStart);
    const match = before.match(/#([\p{L}\p{N}_]{1,30})$/u);
    return match ? match[1] : null;
  };
  const offer = async () => {
    const word = typedTopic();
    if (!word) { box.hidden = true; return; }
    const response = await fetch("/api/v1/search/suggestions?q=" + encodeURIComponent(word), { credentials: "same-origin" });
    const body = response.ok ? await response.json() : { items: [] };
    const topics = body.items.filter((s) => s.kind === "topic").slice(0, 6);
    if (typedTopic() !== word || topics.length === 0) { box.hidden = true; return; }
    box.replaceChildren(...topics.map((s) => {
      const chip = document.createElement("button");
      chip.type = "button";
      chip.className = "chip";
      chip.textContent = "#" + s.text;
      chip.addEventListener("click", () => {
        const at = field.selectionStart;
        const start = field.value.slice(0, at).lastIndexOf("#");
        field.value = field.value.slice(0, start) + "#" + s.text + " " + field.value.slice(at);
        const caret = start + s.text.length + 2;
        field.setSelectionRange(caret, caret);
        field.focus();
        field.dispatchEvent(new Event("input"));
        box.hidden = true;
      });
      return chip;
    }));
    box.hidden = false;
  };
  field.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(offer, 200);
  });
})();

// Waterfalls in rank order across columns. Without JavaScript a waterfall is a
// row-major grid; here its cards go into columns, each to the shortest column in
// rank order, so rank 1 and 2 sit side by side at the top and a card, once placed,
// never moves while more load. Only a change in the number of columns (rotating a
// phone, resizing a window) lays the cards out again, still in rank order.
const waterfalls = (function masonry() {
  const columnsOf = (waterfall) => parseInt(getComputedStyle(waterfall).getPropertyValue("--cols"), 10) || 2;
  const state = new Map();
  const place = (waterfall, cards) => {
    const s = state.get(waterfall);
    for (const card of cards) {
      let shortest = 0;
      for (let i = 1; i < s.heights.length; i++) if (s.heights[i] < s.heights[shortest] - 1) shortest = i;
      card.dataset.rank = String(s.cards.length);
      s.cards.push(card);
      s.columns[shortest].appendChild(card);
      s.heights[shortest] = s.columns[shortest].offsetHeight;
    }
  };
  const layout = (waterfall) => {
    const count = columnsOf(waterfall);
    const previous = state.get(waterfall);
    if (previous && previous.columns.length === count) return;
    const cards = previous ? previous.cards : Array.from(waterfall.querySelectorAll(":scope > .card"));
    const columns = Array.from({ length: count }, () => {
      const column = document.createElement("div");
      column.className = "waterfall-col";
      return column;
    });
    waterfall.replaceChildren(...columns);
    waterfall.classList.add("masonry");
    state.set(waterfall, { columns, heights: columns.map(() => 0), cards: [] });
    place(waterfall, cards);
  };
  const all = document.querySelectorAll(".waterfall");
  all.forEach(layout);
  let resizing = null;
  addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => all.forEach(layout), 150);
  });
  return {
    // Adds the next page's cards after those already shown.
    append: (waterfall, cards) => (state.has(waterfall) ? place(waterfall, cards) : waterfall.append(...cards)),
    // A card's position in the waterfall's rank order.
    rank: (card) => Number(card.dataset.rank || 0),
  };
})();

// Waterfalls: fetch the next page's cards when "More notes" comes into view.
(function infiniteScroll() {
  const waterfall = document.getElementById("waterfall");
  if (!waterfall || !("IntersectionObserver" in window)) return;
  let loading = false;
  const observer = new IntersectionObserver(async (entries) => {
    const more = document.getElementById("more");
    if (!more || loading || !entries.some((e) => e.isIntersecting)) return;
    loading = true;
    try {
      const response = await fetch(more.href, { credentials: "same-origin" });
      if (!response.ok) return;
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const cards = Array.from(page.querySelectorAll("#waterfall > .card"), (card) => document.importNode(card, true));
      waterfalls.append(waterfall, cards);
      const next = page.getElementById("more");
      if (next) {
        more.href = next.getAttribute("href");
      } else {
        more.parentElement.remove();
      }
    } finally {
      loading = false;
    }
  }, { rootMargin: "600px" });
  const more = document.getElementById("more");
  if (more) observer.observe(more.parentElement);
})();

// The note's carousel: arrows, dots, a counter and the arrow keys; swiping is the
// browser's own scroll-snap.
(function carousel() {
  const track = document.getElementById("carousel");
  if (!track) return;
  const media = track.parentElement;
  const images = track.querySelectorAll("img");
  const prev = media.querySelector(".carousel-arrow.prev");
  const next = media.querySelector(".carousel-arrow.next");
  const dots = media.querySelectorAll(".dots li");
  const counter = media.querySelector(".carousel-count .current");
  const current = () => Math.round(track.scrollLeft / Math.max(track.clientWidth, 1));
  const go = (index) => {
    const target = Math.max(0, Math.min(images.length - 1, index));
    track.scrollTo({ left: target * track.clientWidth, behavior: "smooth" });
  };
  const show = () => {
    const index = current();
    dots.forEach((dot, i) => dot.classList.toggle("active", i === index));
    if (counter) counter.textContent = String(index + 1);
    if (prev) prev.hidden = index === 0;
    if (next) next.hidden = index >= images.length - 1;
  };
  if (prev) prev.addEventListener("click", () => go(current() - 1));
  if (next) next.addEventListener("click", () => go(current() + 1));
  track.addEventListener("scroll", () => requestAnimationFrame(show), { passive: true });
  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest && event.target.closest("input, textarea, select, [contenteditable]");
    if (typing || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "ArrowLeft") go(current() - 1);
    else if (event.key === "ArrowRight") go(current() + 1);
    else return;
    event.preventDefault();
  });
  show();
})();

// The product page's variant picker: option chips pick a row of the variants table
// (which every browser shows without it); the price, compare-at price and stock
// follow the chosen row; values no variant has with the other choices are struck
// out, and values whose every variant is sold out are dashed and muted.
(function variantPicker() {
  const picker = document.getElementById("variant-picker");
  const table = document.getElementById("variants");
  if (!picker || !table) return;
  picker.hidden = false;
  // The chips choose the variant the buy form sends: its own list is for pages without script.
  const buyList = document.getElementById("buy-variant");
  if (buyList) buyList.closest("label").hidden = true;
  const rows = [...table.querySelectorAll("tr[data-key]")];
  const price = document.getElementById("product-price");
  const compare = document.getElementById("product-compare-at");
  const stock = document.getElementById("product-stock");
  const fieldsets = [...picker.querySelectorAll("fieldset[data-option]")];
  const update = () => {
    const chosen = fieldsets.map((f) => {
      const checked = f.querySelector("input:checked");
      return checked ? checked.value : null;
    });
    fieldsets.forEach((f, i) => f.querySelectorAll("input").forEach((input) => {
      const matching = rows.filter((r) => {
        const key = r.dataset.key.split("|");
        return key[i] === input.value && chosen.every((c, j) => j === i || c === null || key[j] === c);
      });
      const soldOut = matching.length > 0 && matching.every((r) => Number(r.dataset.available) <= 0);
      const label = input.closest("label");
      label.classList.toggle("unavailable", matching.length === 0);
      label.classList.toggle("sold-out", soldOut);
      label.title = soldOut ? picker.dataset.soldOut : "";
    }));
    if (chosen.some((c) => c === null)) return;
    const row = rows.find((r) => r.dataset.key === chosen.join("|"));
    rows.forEach((r) => r.classList.toggle("chosen", r === row));
    if (!row) {
      if (price) price.textContent = price.dataset.range;
      if (compare) compare.textContent = "";
      if (stock) stock.textContent = picker.dataset.none;
      return;
    }
    if (price) price.textContent = row.dataset.price;
    if (compare) compare.textContent = row.dataset.compareAt;
    const buy = document.getElementById("buy-variant");
    if (buy) buy.value = row.dataset.variant;
    if (stock) stock.textContent = row.cells[2].textContent;
  };
  picker.addEventListener("change", update);
  update();
})();

// A long table with a search box (a shipping template's 35 regions): typing keeps
// the rows whose first cell contains what was typed; without JavaScript the box stays
// hidden and every row shows.
(function rowFilters() {
  document.querySelectorAll("input[data-filter-rows]").forEach((input) => {
    const label = input.closest("label");
    const table = label.parentElement.querySelector("table");
    if (!table) return;
    label.hidden = false;
    input.addEventListener("input", () => {
      const wanted = input.value.trim().toLowerCase();
      table.querySelectorAll("tbody tr").forEach((row) => {
        row.hidden = wanted !== "" && !row.cells[0].textContent.toLowerCase().includes(wanted);
      });
    });
  });
})();

// The tagging page: "Place pin" on a tag's form, then a click on one of the note's
// images fills that form's image and point (percent of the image's width and height).
(function pinPicker() {
  const picker = document.getElementById("pin-picker");
  if (!picker) return;
  const hint = document.getElementById("pin-hint");
  let active = null;
  document.querySelectorAll(".pin-form .place-pin").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => {
      active = button.closest("form");
      picker.classList.add("placing");
      if (hint) hint.textContent = picker.dataset.hint;
      picker.scrollIntoView({ behavior: "smooth", block: "start" });
    });
  });
  picker.addEventListener("click", (event) => {
    const image = event.target.closest("img[data-media]");
    if (!image || !active) return;
    const box = image.getBoundingClientRect();
    const percent = (value) => String(Math.round(Math.max(0, Math.min(1, value)) * 1000) / 10);
    active.querySelector("select[name=media_id]").value = image.dataset.media;
    active.querySelector("input[name=x]").value = percent((event.clientX - box.left) / box.width);
    active.querySelector("input[name=y]").value = percent((event.clientY - box.top) / box.height);
    active.scrollIntoView({ behavior: "smooth", block: "center" });
    active = null;
    picker.classList.remove("placing");
  });
})();

// Menus (details.menu) close on a click elsewhere or Escape.
(function closingMenus() {
  const menus = () => document.querySelectorAll("details.menu[open]");
  document.addEventListener("click", (event) => {
    menus().forEach((menu) => { if (!menu.contains(event.target)) menu.open = false; });
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    menus().forEach((menu) => { menu.open = false; menu.querySelector("summary").focus(); });
  });
})();

// A select marked data-autosubmit applies its choice at once (a sort order); the
// form's button still works without JavaScript.
(function autosubmit() {
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form && select.form.requestSubmit());
  });
})();

// The main navigation marks the section the page belongs to.
(function currentSection() {
  const here = location.pathname;
  const links = Array.from(document.querySelectorAll(".appnav a"));
  const match = links.find((a) => a.getAttribute("href") === here)
    || links.find((a) => a.getAttribute("href") !== "/" && here.startsWith(a.getAttribute("href") + "/"))
    || (here === "/following" ? links[0] : null);
  if (match) match.setAttribute("aria-current", "page");
})();

// Likes on notes and comments without a reload: the forms still work without JavaScript.
(function likes() {
  document.addEventListener("submit", async (event) => {
    const form = event.target.closest("form.like, form.comment-like");
    if (!form) return;
    event.preventDefault();
    const onComment = form.classList.contains("comment-like");
    const id = onComment ? form.dataset.comment : form.dataset.note;
    const liked = form.dataset.liked === "true";
    const csrf = form.querySelector("input[name=_csrf]").value;
    const response = await fetch(`/api/v1/${onComment ? "comments" : "notes"}/${id}/like`, {
      method: liked ? "DELETE" : "POST",
      headers: { "X-CSRF-Token": csrf },
      credentials: "same-origin",
    });
    if (!response.ok) return form.submit();
    const state = await response.json();
    form.dataset.liked = String(state.liked);
    form.action = `/${onComment ? "comments" : "notes"}/${id}/${state.liked ? "unlike" : "like"}`;
    form.querySelector(".heart").textContent = state.liked ? "♥" : "♡";
    form.querySelector(".like-count").textContent = state.likes;
  });
})();

// The unread-notifications badge in the header (signed-in pages only carry it).
(function unreadBadge() {
  const badge = document.getElementById("unread");
  if (!badge) return;
  fetch("/api/v1/notifications/unread", { credentials: "same-origin" })
    .then((r) => (r.ok ? r.json() : null))
    .then((state) => {
      if (state && state.unread > 0) {
        badge.textContent = state.unread > 99 ? "99+" : String(state.unread);
        badge.hidden = false;
      }
    })
    .catch(() => {});
})();

// Sharing: count the share, then hand the link to the system share sheet or the clipboard.
(function share() {
  document.addEventListener("submit", async (event) => {
    const form = event.target.closest("form.share");
    if (!form) return;
    event.preventDefault();
    const csrf = form.querySelector("input[name=_csrf]").value;
    const response = await fetch(`/api/v1/notes/${form.dataset.note}/share`, {
      method: "POST",
      headers: { "X-CSRF-Token": csrf },
      credentials: "same-origin",
    });
    if (!response.ok) return form.submit();
    const state = await response.json();
    form.querySelector(".share-count").textContent = state.shares;
    track("share", form.dataset.note, "note");
    try {
      if (navigator.share) await navigator.share({ url: state.share_url, title: document.title });
      else await navigator.clipboard.writeText(state.share_url);
    } catch (_) {
      // The share was counted; the person may have closed the sheet.
    }
  });
})();

// Behaviour events: an impression when at least half a card stays on screen for a
// second, a click when a card is opened, a read (with the time the page was really
// visible) when a note's page is left. Sent in batches to /api/v1/events.
const track = (function behaviour() {
  const queue = [];
  const csrf = document.querySelector("meta[name=csrf-token]");
  const newId = () => {
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  };
  const flush = () => {
    if (queue.length === 0) return;
    const events = queue.splice(0, 100);
    const headers = { "Content-Type": "application/json" };
    if (csrf) headers["X-CSRF-Token"] = csrf.content;
    // keepalive: the batch still goes out while the page unloads.
    fetch("/api/v1/events", {
      method: "POST", headers, credentials: "same-origin", keepalive: true,
      body: JSON.stringify({ events }),
    }).catch(() => {});
    if (queue.length > 0) flush();
  };
  setInterval(flush, 5000);
  addEventListener("pagehide", flush);
  document.addEventListener("visibilitychange", () => { if (document.hidden) flush(); });
  return (kind, note, surface, extra) => {
    queue.push(Object.assign({ client_event_id: newId(), kind, note_id: note, surface }, extra || {}));
    // A read or a click comes as the page is being left: send it at once.
    if (queue.length >= 20 || kind === "read" || kind === "click") flush();
  };
})();

(function impressionsAndClicks() {
  const waterfall = document.getElementById("waterfall");
  if (!waterfall || !("IntersectionObserver" in window)) return;
  const surface = waterfall.dataset.surface || "other";
  const position = (card) => waterfalls.rank(card);
  // A search result names its search, so clicks can be credited to the query.
  const context = (card) => Object.assign({ position: position(card) },
    card.dataset.search ? { search_id: card.dataset.search } : {});
  const timers = new Map();
  const seen = new Set();
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const card = entry.target;
      if (entry.isIntersecting && entry.intersectionRatio >= 0.5) {
        if (!timers.has(card)) {
          timers.set(card, setTimeout(() => {
            timers.delete(card);
            seen.add(card);
            observer.unobserve(card);
            track("impression", card.dataset.note, surface, context(card));
          }, 1000));
        }
      } else if (timers.has(card)) {
        clearTimeout(timers.get(card));
        timers.delete(card);
      }
    }
  }, { threshold: [0, 0.5, 1] });
  const watch = () => waterfall.querySelectorAll(".card[data-note]").forEach((card) => {
    if (!seen.has(card)) observer.observe(card);
  });
  watch();
  new MutationObserver(watch).observe(waterfall, { childList: true, subtree: true });
  waterfall.addEventListener("click", (event) => {
    const card = event.target.closest(".card[data-note]");
    if (card && event.target.closest("a[href^='/notes/']")) {
      track("click", card.dataset.note, surface, context(card));
    }
  });
})();

(function reads() {
  const note = document.querySelector("article.note[data-note]");
  if (!note) return;
  let visibleSince = document.hidden ? null : Date.now();
  let dwell = 0;
  let sent = false;
  const pause = () => {
    if (visibleSince !== null) dwell += Date.now() - visibleSince;
    visibleSince = null;
  };
  const send = () => {
    pause();
    if (sent || dwell < 500) return;
    sent = true;
    track("read", note.dataset.note, "note", { dwell_ms: Math.min(dwell, 3600000) });
  };
  document.addEventListener("visibilitychange", () => {
    if (document.hidden) send(); else visibleSince = Date.now();
  });
  addEventListener("pagehide", send);
})();

// Compose: "publish later" is read in the browser's time zone.
(function utcOffset() {
  document.querySelectorAll("input[data-utc-offset]").forEach((input) => {
    input.value = String(-new Date().getTimezoneOffset());
  });
})();

(function searchSuggestions() {
  const list = document.getElementById("search-suggestions");
  if (!list) return;
  let timer = null;
  let asked = "";
  const suggest = (input) => {
    const q = input.value.trim();
    if (q === asked) return;
    asked = q;
    if (q === "") { list.replaceChildren(); return; }
    fetch("/api/v1/search/suggestions?q=" + encodeURIComponent(q), { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : { items: [] }))
      .then((body) => {
        if (asked !== q) return;
        list.replaceChildren(...body.items.map((s) => {
          const option = document.createElement("option");
          option.value = s.text;
          return option;
        }));
      })
      .catch(() => {});
  };
  document.querySelectorAll("input[list=search-suggestions]").forEach((input) => {
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => suggest(input), 150);
    });
  });
})();

// Sponsored cards: reported viewable once at least half the card has been on screen
// for a second (what CPM ads pay for). Their clicks go through /ads/click/{token}.
(function viewableAds() {
  if (!("IntersectionObserver" in window)) return;
  const csrf = document.querySelector("meta[name=csrf-token]");
  const timers = new Map();
  const report = (card) => {
    const headers = { "Content-Type": "application/json" };
    if (csrf) headers["X-CSRF-Token"] = csrf.content;
    fetch("/api/v1/ads/events", {
      method: "POST", headers, credentials: "same-origin", keepalive: true,
      body: JSON.stringify({ token: card.dataset.adToken, kind: "viewable" }),
    }).catch(() => {});
  };
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const card = entry.target;
      if (entry.isIntersecting && entry.intersectionRatio >= 0.5) {
        if (!timers.has(card)) {
          timers.set(card, setTimeout(() => {
            timers.delete(card);
            observer.unobserve(card);
            report(card);
          }, 1000));
        }
      } else if (timers.has(card)) {
        clearTimeout(timers.get(card));
        timers.delete(card);
      }
    }
  }, { threshold: [0, 0.5, 1] });
  const watch = () => document.querySelectorAll("[data-ad-token]:not([data-ad-watched])").forEach((card) => {
    card.dataset.adWatched = "1";
    observer.observe(card);
  });
  watch();
  new MutationObserver(watch).observe(document.body, { childList: true, subtree: true });
})();

// Coin amounts: typing another amount unticks the preset chips (the typed one wins).
document.addEventListener("input", (event) => {
  const typed = event.target;
  if (!typed.matches || !typed.matches("input[name=coins_other]") || !typed.value) return;
  const form = typed.closest("form");
  if (form) form.querySelectorAll("input[name=coins]").forEach((chip) => { chip.checked = false; });
});
