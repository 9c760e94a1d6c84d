// Carmine's small JavaScript. Every page works without it; it only adds: image
// previews while composing, a confirmation before what cannot be undone, infinite
// scroll on note waterfalls, likes and shares without a reload, the unread badge,
// and behaviour events (what was really seen and read) for note statistics.
"use strict";

// Forms marked data-confirm ask first (deleting a note is one tap from "Edit").
document.addEventListener("submit", (event) => {
  const message = event.target.dataset && event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});

// Compose: show the chosen images before they are uploaded.
(function previews() {
  const input = document.getElementById("images");
  const box = document.getElementById("previews");
  if (!input || !box) return;
  input.addEventListener("change", () => {
    box.replaceChildren();
    for (const file of Array.from(input.files).slice(0, 18)) {
      const img = document.createElement("img");
      img.src = URL.createObjectURL(file);
      img.alt = file.name;
      img.onload = () => URL.revokeObjectURL(img.src);
      box.appendChild(img);
    }
  });
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
      const cards = page.querySelectorAll("#waterfall > .card");
      cards.forEach((card) => waterfall.appendChild(document.importNode(card, true)));
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

// Likes without a reload: the form still works without JavaScript.
(function likes() {
  document.addEventListener("submit", async (event) => {
    const form = event.target.closest("form.like");
    if (!form) return;
    event.preventDefault();
    const liked = form.dataset.liked === "true";
    const csrf = form.querySelector("input[name=_csrf]").value;
    const response = await fetch(`/api/v1/notes/${form.dataset.note}/like`, {
      method: liked ? "DELETE" : "POST",
      headers: { "X-CSRF-Token": csrf },
      credentials: "same-origin",
    });
    if (!response.ok) return form.submit();
    const state = await response.json();
    form.dataset.liked = String(state.liked);
    form.action = `/notes/${form.dataset.note}/${state.liked ? "unlike" : "like"}`;
    form.querySelector(".heart").textContent = state.liked ? "♥" : "♡";
    form.querySelector(".like-count").textContent = state.likes;
  });
})();

// The unread-notifications badge in the header.
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
  const position = (card) => Array.prototype.indexOf.call(waterfall.children, card);
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
  new MutationObserver(watch).observe(waterfall, { childList: true });
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
