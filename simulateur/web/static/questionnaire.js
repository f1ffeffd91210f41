// simulateur — le questionnaire de la candidate : chaque réponse envoyée au service dès qu'elle
// change (sans script, le bouton de chaque question fait la même chose), et le temps restant
// décompté. L'échéance est celle du service : c'est lui qui refuse une réponse en retard.
(function () {
  var T = JSON.parse(document.getElementById("textes").textContent);
  function clockText(m, s) { return T.clock.replace("{m}", m).replace("{s}", (s < 10 ? "0" : "") + s); }
  var clock = document.getElementById("reste-q");
  if (clock) {
    var end = performance.now() + parseFloat(clock.getAttribute("data-reste")) * 1000;
    var tick = function () {
      var left = Math.max(0, Math.round((end - performance.now()) / 1000));
      var m = Math.floor(left / 60), s = left % 60;
      clock.textContent = clockText(m, s);
      if (left === 0) {
        clock.textContent = clockText(0, 0) + " — " + T.over;
        window.setTimeout(function () { window.location.reload(); }, 1500);   // the page as the service sees it
        return;
      }
      window.setTimeout(tick, 1000);
    };
    tick();
  }
  function send(form) {
    var state = form.querySelector(".etat-reponse");
    state.textContent = T.sending;
    fetch(form.getAttribute("action"), { method: "POST", body: new FormData(form), credentials: "same-origin",
                         headers: { "X-Simulateur-Fetch": "1" } })
      .then(function (r) { return r.json(); })
      .then(function (reply) {
        state.textContent = (reply.ok ? "✔ " : "⚠ ") + reply.message;
        state.className = "etat-reponse " + (reply.ok ? "ok" : "refus");
      })
      .catch(function () { state.textContent = "⚠ " + T.not_sent; });
  }
  var forms = document.querySelectorAll("form.reponse");
  Array.prototype.forEach.call(forms, function (form) {
    var timer = null;
    form.addEventListener("submit", function (ev) { ev.preventDefault(); send(form); });
    form.addEventListener("change", function () { window.clearTimeout(timer); send(form); });
    form.addEventListener("input", function (ev) {
      if (ev.target.tagName !== "TEXTAREA" && ev.target.type !== "text") { return; }
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { send(form); }, 1200);
    });
  });
})();
