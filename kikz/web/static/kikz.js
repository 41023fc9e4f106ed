// kikz – small progressive enhancements; every page works without this file.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // A copy button next to one-time secrets (API tokens); the field itself stays selectable.
  for (const field of document.querySelectorAll("[data-copy]")) {
    if (!navigator.clipboard) continue;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary small copy-button";
    const label = document.documentElement.lang === "en" ? "Copy" : "Kopieren";
    const done = document.documentElement.lang === "en" ? "Copied" : "Kopiert";
    button.textContent = label;
    const status = document.createElement("span");
    status.setAttribute("role", "status");
    status.className = "hint";
    button.addEventListener("click", async () => {
      await navigator.clipboard.writeText(field.value);
      status.textContent = " " + done;
    });
    field.after(button, status);
  }

  // Move focus to the error summary so screen readers announce it and keyboard users start there.
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
});
