// kikz – traffic pages: the map of counting sites (Leaflet, vendored) and the print button of the council report.
// The map is drawn from the table of sites on the same page, which stays the accessible way to every site.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-print]")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }

  const box = document.getElementById("traffic-map");
  const table = box && document.getElementById(box.dataset.table);
  if (!box || !table || typeof L === "undefined") return;
  const rows = Array.from(table.querySelectorAll("tbody tr[data-lat][data-lon]"));
  if (!rows.length) return;
  box.textContent = "";

  const tiles = box.dataset.tiles || "";
  const map = L.map(box, { attributionControl: Boolean(tiles), zoomSnap: 0.5, scrollWheelZoom: false });
  if (tiles) {
    L.tileLayer(tiles, { attribution: box.dataset.attribution || "", maxZoom: 19 }).addTo(map);
  }
  L.control.scale({ imperial: false }).addTo(map);

  const labelled = rows.length <= 40;  // names next to every marker while they still fit
  const points = [];
  for (const row of rows) {
    const lat = Number.parseFloat(row.dataset.lat);
    const lon = Number.parseFloat(row.dataset.lon);
    if (!Number.isFinite(lat) || !Number.isFinite(lon)) continue;
    const marker = L.marker([lat, lon], {
      icon: L.divIcon({ className: "site-marker", iconSize: [18, 18] }),
      title: row.dataset.name,
      alt: row.dataset.name,
      keyboard: true,
      riseOnHover: true,
    });
    marker.bindTooltip(row.dataset.name, { permanent: labelled, direction: "right", offset: [10, 0], className: "site-label" });
    marker.on("click", () => { window.location.assign(row.dataset.href); });  // Enter on a focused marker too
    marker.addTo(map);
    points.push([lat, lon]);
  }
  if (points.length === 1) {
    map.setView(points[0], 15);
  } else {
    map.fitBounds(L.latLngBounds(points).pad(0.12), { maxZoom: 16 });
  }
});
