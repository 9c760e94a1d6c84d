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
