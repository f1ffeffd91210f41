/* The candidate's terminal: xterm.js ↔ the service's /api/shell websocket (binary frames: her keys
   and the terminal's output; text frames: JSON — {"resize": [cols, rows]} from here, {"end": code,
   "error": "…"} from the service). The page's strings come from its data-* attributes (French, in
   serve/texts.py). */
(function () {
  "use strict";
  const box = document.getElementById("terminal");
  const state = document.getElementById("etat-terminal");
  if (!box) return;
  const term = new Terminal({ cursorBlink: true, fontSize: 15, scrollback: 5000,
                              fontFamily: '"DejaVu Sans Mono", monospace' });
  const fit = new FitAddon.FitAddon();
  term.loadAddon(fit);
  term.open(box);
  fit.fit();
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const query = new URLSearchParams({ lab: box.dataset.lab, host: box.dataset.host, cols: term.cols,
                                      rows: term.rows, term: "xterm-256color" });
  // data-ws: another relay than a host's shell (the candidate's app, appweb.py), same frames
  const path = box.dataset.ws || "/api/shell";
  const ws = new WebSocket(scheme + "//" + location.host + path + "?" + query.toString());
  ws.binaryType = "arraybuffer";
  const encoder = new TextEncoder();
  let ended = false;

  function say(text, over) {
    state.textContent = text;
    state.classList.toggle("fin", over);
  }
  ws.onopen = function () { say(box.dataset.open, false); term.focus(); };
  ws.onmessage = function (ev) {
    if (typeof ev.data !== "string") { term.write(new Uint8Array(ev.data)); return; }
    let said = null;
    try { said = JSON.parse(ev.data); } catch (e) { return; }
    if (said && "end" in said) {
      ended = true;
      const text = said.error || box.dataset.ended;
      say(text, true);
      term.write("\r\n" + text + "\r\n");
      term.options.disableStdin = true;
      box.dataset.fin = String(said.end);
    }
  };
  ws.onclose = function () {
    if (!ended) { say(box.dataset.lost, true); term.options.disableStdin = true; }
  };
  term.onData(function (data) { if (ws.readyState === WebSocket.OPEN) ws.send(encoder.encode(data)); });
  term.onResize(function (size) {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ resize: [size.cols, size.rows] }));
  });
  window.addEventListener("resize", function () { fit.fit(); });
})();
