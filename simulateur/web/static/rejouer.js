// simulateur — rejouer un terminal enregistré (asciicast v2) avec asciinema-player, livré avec la page.
(function () {
  var el = document.getElementById("lecteur");
  if (!el || typeof AsciinemaPlayer === "undefined") { return; }
  window.lecteurTerminal = AsciinemaPlayer.create(el.getAttribute("data-cast"), el,
                                                  {fit: "width", idleTimeLimit: 2, preload: true});
})();
