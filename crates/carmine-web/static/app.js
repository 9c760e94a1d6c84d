// Carmine's small JavaScript. Every page works without it; it only adds:
// image previews while composing, and infinite scroll on note waterfalls.
"use strict";

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
    try {
      if (navigator.share) await navigator.share({ url: state.share_url, title: document.title });
      else await navigator.clipboard.writeText(state.share_url);
    } catch (_) {
      // The share was counted; the person may have closed the sheet.
    }
  });
})();
