// The live session page: renders the snapshot (from the page, then from the server-sent events),
// counts each candidate's time down every second. Text only through textContent: no markup from data.
(function () {
  "use strict";
  const root = document.getElementById("vivant");
  if (!root) return;
  const L = JSON.parse(document.getElementById("libelles").textContent);
  const sid = root.dataset.sid, csrf = root.dataset.csrf, trainer = root.dataset.trainer === "oui";
  let offset = 0;          // server clock − ours
  let snap = null;
  history.replaceState(null, "", "/session/" + encodeURIComponent(sid));

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") e.textContent = v; else e.setAttribute(k, v);
    }
    for (const k of kids) if (k) e.appendChild(k);
    return e;
  }
  // A catalogue text with its {placeholders} filled in.
  function fill(text, values) { return text.replace(/\{(\w+)\}/g, (all, k) => (k in values ? String(values[k]) : all)); }
  function hhmmss(t) { return new Date(t * 1000).toLocaleTimeString("fr-FR"); }
  function clock(s) {
    s = Math.max(0, Math.floor(s));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    const mm = String(m).padStart(2, "0"), ss = String(r).padStart(2, "0");
    return h ? fill(L.clock_hms, {h: h, m: mm, s: ss}) : fill(L.clock_ms, {m: mm, s: ss});
  }
  function button(action, name, label, more) {
    const f = el("form", {method: "post", action: "/session/" + encodeURIComponent(sid) + "/action"});
    f.appendChild(el("input", {type: "hidden", name: "csrf", value: csrf}));
    f.appendChild(el("input", {type: "hidden", name: "action", value: action}));
    f.appendChild(el("input", {type: "hidden", name: "candidate", value: name}));
    if (more) more(f);
    f.appendChild(el("button", {type: "submit", text: label}));
    return f;
  }
  function left(c) {
    if (!c.started) return "";
    if (c.finished) return L.over;
    const now = Date.now() / 1000 + offset;
    if (c.paused) return L.paused_left + " " + clock(c.deadline - c.paused);
    const s = c.deadline - now;
    return s > 0 ? clock(s) + " " + L.left : L.over;
  }
  function card(c, i) {
    const box = el("section", {class: "candidat", "data-candidat": c.name, "aria-labelledby": "c" + i});
    const reste = el("span", {class: "reste", "data-reste": "1", text: left(c)});
    box.appendChild(el("h2", {id: "c" + i}, el("span", {text: c.name}),
      el("span", {class: "etiq statut", text: c.state}),
      c.machine ? el("span", {class: "etiq", text: fill(L.machine, {machine: c.machine})}) : null,
      c.extra ? el("span", {class: "etiq", text: L.extra + " " + c.extra}) : null, reste));
    box.appendChild(el("p", {class: "derniere", text: fill(L.last_activity, {when: c.last ? hhmmss(c.last) : L.never})}));
    if (c.started) box.appendChild(el("p", {}, el("a", {href: "/session/" + encodeURIComponent(sid) + "/terminaux/" +
                                                          encodeURIComponent(c.name), text: L.replay})));
    if (c.started && !c.finished) {
      const acts = el("div", {class: "actions"});
      if (trainer) {
        acts.appendChild(button("extend", c.name, L.extend, (f) => {
          const id = "min" + i;
          f.appendChild(el("label", {for: id, text: L.minutes}));
          f.appendChild(el("input", {id: id, type: "number", name: "minutes", min: "1", max: "1440", value: "10"}));
        }));
        acts.appendChild(c.paused ? button("resume", c.name, L.resume) : button("pause", c.name, L.pause));
      }
      if (c.items.some((it) => it.current)) acts.appendChild(button("probe", c.name, L.probe));
      box.appendChild(acts);
    }
    for (const it of c.items) {
      const div = el("div", {class: "interv"});
      div.appendChild(el("p", {},
        el("strong", {text: it.index + ". " + it.title}),
        el("span", {text: " — " + it.status + (it.lab ? " — " + it.lab : "") +
                           (it.health ? " — " + fill(L.lab_health, {health: L[it.health]}) : "")})));
      if (it.note) div.appendChild(el("p", {class: "aide", text: it.note}));
      const pr = el("p", {class: "sondes"});
      if (it.probes) {
        pr.appendChild(el("span", {text: L.probed_at + " " + hhmmss(it.probes.t) + " : "}));
        for (const p of it.probes.probes)
          pr.appendChild(el("span", {class: "sonde " + (p.ok ? "vert" : "rouge"), title: p.observed,
                                     text: (p.ok ? "✔ " : "✘ ") + p.id + " " + (p.ok ? L.green : L.red)}));
      } else if (it.current) pr.appendChild(el("span", {text: L.no_probe}));
      div.appendChild(pr);
      if (it.journal.length) {
        const ol = el("ol", {class: "journal"});
        for (const j of it.journal)
          ol.appendChild(el("li", {text: hhmmss(j.t) + "  " + j.host + "  $ " + j.cmd + (j.rc ? "  [" + j.rc + "]" : "")}));
        div.appendChild(el("details", {class: "journal"}, el("summary", {text: L.timeline + " (" + it.journal.length + ")"}), ol));
      }
      box.appendChild(div);
    }
    return box;
  }
  function render(data) {
    offset = data.now - Date.now() / 1000;
    snap = data.snap;
    const open = new Set([...root.querySelectorAll("details[open]")].map((d) => d.closest("[data-candidat]").dataset.candidat));
    const focused = document.activeElement && root.contains(document.activeElement) &&
                    document.activeElement.tagName === "INPUT";
    if (focused) return void (pending = data);     // never pull a form from under the trainer's hands
    root.replaceChildren(...snap.candidates.map(card));
    for (const d of root.querySelectorAll("[data-candidat]")) if (open.has(d.dataset.candidat)) {
      const det = d.querySelector("details"); if (det) det.open = true;
    }
    root.dataset.version = String((Number(root.dataset.version) || 0) + 1);
  }
  let pending = null;
  root.addEventListener("focusout", () => setTimeout(() => {
    if (pending && !(root.contains(document.activeElement) && document.activeElement.tagName === "INPUT")) { const p = pending; pending = null; render(p); }
  }, 0));
  function tick() {
    if (!snap) return;
    const cards = root.querySelectorAll("[data-candidat]");
    snap.candidates.forEach((c, i) => { const r = cards[i] && cards[i].querySelector("[data-reste]"); if (r) r.textContent = left(c); });
  }
  render(JSON.parse(document.getElementById("etat").textContent));
  setInterval(tick, 1000);
  const status = document.getElementById("direct");
  const source = new EventSource("/session/" + encodeURIComponent(sid) + "/flux");
  source.onopen = () => { status.textContent = "● " + L.connected; };
  source.onerror = () => { status.textContent = "○ " + L.disconnected; };
  source.onmessage = (e) => render(JSON.parse(e.data));
})();
