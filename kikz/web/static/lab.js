// kikz – Citizen Lab: small enhancements; every page works without this file.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Registration: the parents' consent only matters under 16, so hide it once "16 or older" is chosen.
  const parents = document.getElementById("f-eltern");
  const ages = document.querySelectorAll('input[name="altersgruppe"]');
  if (parents && ages.length) {
    const update = () => {
      const chosen = document.querySelector('input[name="altersgruppe"]:checked');
      parents.hidden = chosen !== null && chosen.value === "ab_16";
    };
    for (const age of ages) age.addEventListener("change", update);
    update();
  }

  // After an answer, move focus to it so screen readers start there (the anchor already scrolls).
  const answer = document.querySelector(".lab-answer > h2[tabindex]");
  if (answer && !document.getElementById("error-summary")) answer.focus();
});
