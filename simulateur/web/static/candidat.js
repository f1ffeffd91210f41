// simulateur — la page de la candidate : le temps restant décompté chaque seconde (l'échéance est
// celle du service, qui la tient ; la page ne fait que l'afficher), puis la page rechargée.
(function () {
  var el = document.getElementById("reste");
  if (!el) { return; }
  var T = JSON.parse(document.getElementById("textes").textContent);
  var deadline = parseFloat(el.getAttribute("data-echeance")) * 1000;
  function tick() {
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    var m = Math.floor(left / 60), s = left % 60;
    el.textContent = T.clock.replace("{m}", m).replace("{s}", (s < 10 ? "0" : "") + s);
    if (left === 0) { window.setTimeout(function () { window.location.reload(); }, 1500); return; }
    window.setTimeout(tick, 1000);
  }
  tick();
})();
