// The stage: the sliding window of a convolution or pooling, played in the browser.
//
// Python (cnnviz/stage.py) sends the numbers the core computed: the padded input, the
// kernel and bias (exact floats), the outputs as the integers Python would print
// ("fixed3"), and translated labels. Everything that moves happens here: the window
// glides (requestAnimationFrame), hovering a cell shows its arithmetic at once, and
// only a click goes back to Python (setStateValue("cell", ...)).
//
// Numbers are written exactly as cnnviz.i18n.format_number writes them: at most three
// decimals, correctly rounded with ties to even, a true minus, a decimal comma in Spanish.

const MINUS = "\u2212";
const SPEEDS = [0.25, 0.5, 1, 2, 4, 8, 16, 64];
const BASE_RATE = 4; // steps per second at 1x
const COLORS = {
  // Okabe-Ito: safe for the common colour-blindnesses.
  window: "#D55E00",
  cell: "#0072B2",
  feeds: "#E69F00",
  winner: "#009E73",
};

// Icons drawn, not typed: a classroom PC may have no font with the media symbols.
const svg = (path) =>
  `<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false"><path fill="currentColor" d="${path}"/></svg>`;
const ICONS = {
  first: svg("M6 5h2v14H6zM20 5v14L9 12z"),
  back: svg("M18 5v14L7 12z"),
  play: svg("M7 5v14l12-7z"),
  pause: svg("M6 5h4v14H6zM14 5h4v14h-4z"),
  forward: svg("M6 5v14l11-7z"),
  last: svg("M4 5v14l11-7zM16 5h2v14h-2z"),
};

// ---- numbers ---------------------------------------------------------------------------

function fixedText(n, digits) {
  // n / 10^digits, written as Python's format(x, ".{digits}f") with zeros stripped.
  const negative = n < 0;
  const abs = Math.abs(n);
  const scale = 10 ** digits;
  const whole = Math.floor(abs / scale);
  let frac = String(abs - whole * scale).padStart(digits, "0").replace(/0+$/, "");
  let text = frac ? `${whole}.${frac}` : String(whole);
  if (negative && text !== "0") text = "-" + text;
  return text;
}

// Python's format(x, ".{digits}e") with zeros stripped and no "+": "1.235e300". Only for
// |x| >= 1e16 (cnnviz.i18n.SCIENTIFIC_FROM), where every float is a whole number, so its
// exact digits come from BigInt and rounding is Python's: correct, ties to even.
function scientificText(x, digits) {
  const all = BigInt(Math.abs(x)).toString();
  let head = all.slice(0, digits + 1);
  const rest = all.slice(digits + 1);
  let exponent = all.length - 1;
  const half = "5" + "0".repeat(Math.max(rest.length - 1, 0));
  const odd = Number(head[head.length - 1]) % 2 === 1;
  if (rest > half || (rest === half && odd)) {
    head = (BigInt(head) + 1n).toString();
    if (head.length > digits + 1) {
      head = head.slice(0, digits + 1); // 9.999 -> 10.00: one more power of ten
      exponent += 1;
    }
  }
  const decimals = head.slice(1).replace(/0+$/, "");
  return `${x < 0 ? "-" : ""}${head[0]}${decimals ? "." + decimals : ""}e${exponent}`;
}

function floatText(x, digits) {
  if (Math.abs(x) >= 1e16) return scientificText(x, digits);
  // toFixed is correctly rounded but breaks exact ties away from zero; Python's format
  // breaks them to even. An exact tie needs x * 2^(digits+1) to be a whole number.
  const t = x * 2 ** (digits + 1);
  const scaled = t * 5 ** digits;
  if (Number.isInteger(t) && Math.abs(scaled) < 2 ** 53 && Math.abs((scaled / 2) % 1) === 0.5) {
    const low = Math.floor(scaled / 2);
    return fixedText(low % 2 === 0 ? low : low + 1, digits);
  }
  const text = x.toFixed(digits);
  return digits > 0 ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}

export function formatNumber(x, lang, digits = 3, fixed = false) {
  let text;
  if (fixed) text = fixedText(x, digits);
  else if (Number.isNaN(x)) return "NaN";
  else if (!Number.isFinite(x)) return x > 0 ? "\u221e" : MINUS + "\u221e";
  else text = floatText(x, digits);
  if (text === "-0" || text === "") text = "0";
  text = text.replace("-", MINUS);
  return lang === "es" ? text.replace(".", ",") : text;
}

// ---- data ------------------------------------------------------------------------------

async function inflate(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Response(stream).arrayBuffer();
}

const TYPED = { f4: Float32Array, f8: Float64Array, i4: Int32Array, u1: Uint8Array };

function unpack(buffer, specs) {
  const arrays = {};
  for (const [name, spec] of Object.entries(specs)) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const view = new TYPED[spec.dtype](buffer, spec.offset, count);
    const fixed = spec.encoding.startsWith("fixed");
    arrays[name] = { view, fixed, digits: fixed ? Number(spec.encoding.slice(5)) : 3 };
  }
  return arrays;
}

// One array of numbers as the stage reads them: a value for colours, a text for the eye.
function reader(array, lang) {
  const { view, fixed, digits } = array;
  const scale = fixed ? 10 ** digits : 1;
  return {
    value: (i) => view[i] / scale,
    raw: (i) => view[i],
    text: (i) => formatNumber(view[i], lang, digits, fixed),
    fixed,
    digits,
  };
}

// ---- colours ---------------------------------------------------------------------------

function lerp(a, b, t) {
  return a + (b - a) * t;
}

// Purple-white-orange (PuOr), readable by the common colour-blindnesses.
const NEG = [94, 60, 153];
const POS = [230, 97, 1];

function diverging(v, limit) {
  const t = limit > 0 ? Math.max(-1, Math.min(1, v / limit)) : 0;
  const end = t < 0 ? NEG : POS;
  const a = Math.abs(t);
  return [lerp(255, end[0], a), lerp(255, end[1], a), lerp(255, end[2], a)];
}

function grey(v) {
  const g = Math.max(0, Math.min(1, v)) * 255;
  return [g, g, g];
}

function ink(rgb) {
  const lum = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
  return lum > 140 ? "#111" : "#fff";
}

function css(rgb) {
  return `rgb(${rgb[0] | 0},${rgb[1] | 0},${rgb[2] | 0})`;
}

function template(text, fields) {
  return text.replace(/\{(\w+)\}/g, (_, k) => (k in fields ? fields[k] : `{${k}}`));
}

function fillSelect(select, options, value) {
  // Replace a <select>'s options with [value, label] pairs and choose `value`.
  select.replaceChildren(
    ...options.map(([v, label]) => {
      const option = document.createElement("option");
      option.value = String(v);
      option.textContent = label;
      return option;
    }),
  );
  select.value = String(value);
}

// ---- the stage -------------------------------------------------------------------------

class Stage {
  constructor(root) {
    this.root = root;
    this.id = null;
    this.model = null;
    this.step = 0; // index within the current map
    this.map = 0;
    this.playing = false;
    this.filling = false;
    this.hover = null; // {kind: "out", map, index} or {kind: "in", row, col}
    this.speed = 2; // index into SPEEDS: 1x
    this.loop = true;
    this.channelView = -1; // -1: all channels
    this.mapsView = "one";
    this.glide = null;
    this.lastSelected = null;
    this.reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    this.build();
    this.frame = this.frame.bind(this);
    this.resizer = new ResizeObserver(() => this.layout());
    this.resizer.observe(this.el);
  }

  // ---- DOM ----

  build() {
    const el = document.createElement("div");
    el.className = "stage";
    el.tabIndex = 0;
    el.setAttribute("role", "group");
    el.innerHTML = `
      <div class="panels">
        <section class="panel input"><h4 class="title in-title"></h4>
          <canvas class="in" data-testid="stage-input"></canvas></section>
        <section class="panel output"><h4 class="title out-title"></h4>
          <canvas class="out" data-testid="stage-output"></canvas>
          <div class="maps"></div></section>
        <section class="panel math"><h4 class="title math-title"></h4>
          <div class="cell-label" data-testid="stage-cell"></div>
          <canvas class="lens" data-testid="stage-lens"></canvas>
          <div class="lines" data-testid="stage-lines"></div></section>
      </div>
      <div class="controls">
        <button class="first" data-testid="stage-first">${ICONS.first}</button>
        <button class="back" data-testid="stage-back">${ICONS.back}</button>
        <button class="play" data-testid="stage-play">${ICONS.play}</button>
        <button class="forward" data-testid="stage-forward">${ICONS.forward}</button>
        <button class="last" data-testid="stage-last">${ICONS.last}</button>
        <input class="scrub" type="range" min="0" value="0" data-testid="stage-scrub" />
        <label class="speed-label"><span class="speed-text"></span>
          <select class="speed" data-testid="stage-speed"></select></label>
        <label class="loop-label"><input class="loop" type="checkbox" checked /><span class="loop-text"></span></label>
        <label class="channel-label"><span class="channel-text"></span>
          <select class="channel" data-testid="stage-channel"></select></label>
        <label class="maps-label"><span class="maps-text"></span>
          <select class="maps-view" data-testid="stage-maps-view"></select></label>
        <span class="position" data-testid="stage-position"></span>
      </div>
      <p class="hint"></p>
      <div class="live" aria-live="polite"></div>`;
    this.root.appendChild(el);
    this.el = el;
    const q = (s) => el.querySelector(s);
    this.inCanvas = q("canvas.in");
    this.outCanvas = q("canvas.out");
    this.lensCanvas = q("canvas.lens");
    this.linesEl = q(".lines");
    this.cellEl = q(".cell-label");
    this.scrub = q(".scrub");
    this.positionEl = q(".position");
    this.speedEl = q(".speed");
    this.channelEl = q(".channel");
    this.mapsViewEl = q(".maps-view");
    this.mapsEl = q(".maps");
    this.liveEl = q(".live");

    q(".first").onclick = () => this.jump(0);
    q(".back").onclick = () => this.jump(this.step - 1);
    q(".play").onclick = () => this.toggle();
    q(".forward").onclick = () => this.jump(this.step + 1);
    q(".last").onclick = () => this.jump(this.count - 1);
    this.scrub.oninput = () => this.jump(Number(this.scrub.value));
    this.speedEl.onchange = () => this.setSpeed(Number(this.speedEl.value));
    q(".loop").onchange = (e) => (this.loop = e.target.checked);
    this.channelEl.onchange = () => {
      this.channelView = Number(this.channelEl.value);
      this.paintInput();
      this.draw();
    };
    this.mapsViewEl.onchange = () => {
      this.mapsView = this.mapsViewEl.value;
      this.layout();
    };
    el.addEventListener("keydown", (e) => this.key(e));
    for (const canvas of [this.inCanvas, this.outCanvas]) {
      canvas.addEventListener("pointermove", (e) => this.point(canvas, e));
      canvas.addEventListener("pointerleave", () => this.unpoint());
      canvas.addEventListener("click", (e) => this.click(canvas, e));
    }
  }

  // ---- data from Python ----

  async update(data, setStateValue) {
    this.send = setStateValue;
    const { header, ui } = data;
    this.ui = ui;
    this.lang = ui.lang;
    if (header.id !== this.id) {
      this.id = header.id;
      const bytes = data.blob.getChild("blob").get(0);
      const buffer = await inflate(bytes);
      if (header.id !== this.id) return; // a newer payload arrived meanwhile
      this.setModel(header, unpack(buffer, header.arrays));
    }
    // Most reruns change nothing here (the page moved a widget elsewhere): repaint only
    // for new numbers, another language or presenter mode; a new cell just glides there.
    const view = JSON.stringify([this.id, ui.lang, ui.present, ui.labels]);
    const fresh = view !== this.view;
    if (fresh) {
      this.view = view;
      this.labelAll();
      this.layout();
    }
    const sel = ui.selected;
    const selKey = JSON.stringify(sel);
    if (sel && selKey !== this.lastSelected) {
      this.lastSelected = selKey;
      const map = Math.min(sel[2] || 0, this.maps - 1);
      const index = Math.min(sel[0], this.rows - 1) * this.cols + Math.min(sel[1], this.cols - 1);
      if (map !== this.map) {
        this.map = map;
        this.mapButtons();
      }
      this.stop();
      this.filling = false;
      this.jump(index);
    }
  }

  setModel(header, arrays) {
    const [hp, wp, channels] = header.input.shape;
    const [rows, cols, maps] = header.output.shape;
    Object.assign(this, { header, hp, wp, channels, rows, cols, maps, count: rows * cols });
    this.input = arrays.input.view;
    this.totals = arrays.totals || arrays.output;
    this.outputs = arrays.output || null;
    this.pads = header.input.pads;
    this.win = header.window;
    this.conv = header.conv || null;
    this.pool = header.pool || null;
    this.map = Math.min(this.map, maps - 1);
    this.step = Math.min(this.step, this.count - 1);
    this.glide = null;
    this.filling = false;
    this.hover = null;
    this.channelView = Math.min(this.channelView, channels - 1);
    let limit = 0;
    for (let i = 0; i < this.input.length; i++) {
      const v = this.input[i];
      if (Number.isFinite(v)) limit = Math.max(limit, Math.abs(v));
    }
    this.inputLimit = limit;
    this.outLimits = [];
    for (let f = 0; f < maps; f++) {
      let m = 0;
      for (let i = f * this.count; i < (f + 1) * this.count; i++) {
        const v = Math.abs(this.readOut(i).value);
        if (Number.isFinite(v)) m = Math.max(m, v);
      }
      this.outLimits.push(m);
    }
    this.mapsImages = null;
    this.inputImage = null;
  }

  readOut(flat) {
    // The displayed result of one output cell: after the activation.
    const totals = this.totals;
    const scale = totals.fixed ? 10 ** totals.digits : 1;
    if (this.outputs) return { value: this.outputs.view[flat] / scale, text: () => this.text(this.outputs, flat) };
    let raw = totals.view[flat];
    if (this.conv && this.conv.activation === "relu") raw = raw > 0 ? raw : 0;
    return { value: raw / scale, text: () => formatNumber(raw, this.lang, totals.digits, totals.fixed) };
  }

  text(array, i) {
    return formatNumber(array.view[i], this.lang, array.digits, array.fixed);
  }

  labelAll() {
    const L = this.ui.labels;
    const q = (s) => this.el.querySelector(s);
    this.el.setAttribute("aria-label", L.aria);
    q(".in-title").textContent = L.input;
    q(".math-title").textContent = L.math;
    q(".hint").textContent = L.hint;
    q(".speed-text").textContent = L.speed;
    q(".loop-text").textContent = L.loop;
    q(".channel-text").textContent = L.channels;
    q(".maps-text").textContent = L.maps;
    for (const [cls, key] of [["first", "first"], ["back", "back"], ["forward", "forward"], ["last", "last"]]) {
      const b = q("." + cls);
      b.setAttribute("aria-label", L[key]);
      b.title = L[key];
    }
    this.scrub.setAttribute("aria-label", L.scrub);
    this.speedEl.setAttribute("aria-label", L.speed);
    const speeds = SPEEDS.map((x, i) => [i, `${formatNumber(x, this.lang, 2)}\u00d7`]);
    fillSelect(this.speedEl, speeds, this.speed);
    // Channel view: all channels, or one at a time.
    const channels = L.channel_names.slice(0, this.channels).map((name, i) => [i, name]);
    fillSelect(this.channelEl, [[-1, L.all_channels], ...channels], this.channelView);
    q(".channel-label").hidden = this.channels < 2;
    fillSelect(this.mapsViewEl, [["one", L.one_map], ["all", L.all_maps]], this.mapsView);
    q(".maps-label").hidden = this.maps < 2;
    this.playLabel();
  }

  playLabel() {
    const b = this.el.querySelector(".play");
    const L = this.ui.labels;
    b.setAttribute("aria-label", this.playing ? L.pause : L.play);
    b.title = this.playing ? L.pause : L.play;
    b.innerHTML = this.playing ? ICONS.pause : ICONS.play;
    b.setAttribute("aria-pressed", String(this.playing));
  }

  // ---- geometry ----

  cellOf(index) {
    return [Math.floor(index / this.cols), index % this.cols];
  }

  windowOf(index) {
    // Top-left padded cell of output cell `index`, and the taps' rows and columns.
    const [r, c] = this.cellOf(index);
    const [sr, sc] = this.win.strides;
    const [dr, dc] = this.win.dilation;
    const [kh, kw] = this.win.size;
    const rows = Array.from({ length: kh }, (_, m) => r * sr + m * dr);
    const cols = Array.from({ length: kw }, (_, n) => c * sc + n * dc);
    return { top: r * sr, left: c * sc, rows, cols };
  }

  isPadding(pr, pc) {
    // Outside the image, or (a transposed convolution's equivalent) a zero put between cells.
    const [[top, bottom], [left, right]] = this.pads;
    const [hr, hc] = this.header.input.holes || [1, 1];
    return (
      pr < top || pr >= this.hp - bottom || pc < left || pc >= this.wp - right ||
      (pr - top) % hr !== 0 || (pc - left) % hc !== 0
    );
  }

  inputAt(pr, pc, ch) {
    return this.input[(pr * this.wp + pc) * this.channels + ch];
  }

  // ---- layout and painting ----

  layout() {
    if (!this.header) return;
    const width = (this.el.clientWidth || 600) - 12; // the stage's padding, and room to spare
    // A 1-D signal is a strip: input and output each take a whole row, aligned.
    const strip = this.hp === 1;
    const narrow = width < 640 || strip;
    const classes = this.el.classList;
    classes.toggle("narrow", narrow);
    classes.toggle("strip", strip);
    classes.toggle("phone", width < 460);
    const height = Math.max(180, Math.min(window.innerHeight * (this.ui.present ? 0.62 : 0.46), 640));
    const gap = 24;
    // Wide: input, output and arithmetic side by side; the arithmetic keeps at least 38 %
    // of the width. Narrow (a phone, or a projector with the sidebar open): input and
    // output share the first row, the arithmetic goes underneath.
    const mathMin = narrow ? 0 : Math.max(260, 0.38 * (width - 2 * gap));
    const across0 = this.mapsView === "all" ? Math.ceil(Math.sqrt(this.maps)) : 1;
    const inNeed = this.wp;
    const outNeed = this.cols * across0;
    const rest = width - (narrow ? 1 : 2) * gap - mathMin;
    const inBox = strip ? width : (rest * inNeed) / (inNeed + outNeed);
    const outBox = strip ? (width * this.cols) / this.wp : (rest * outNeed) / (inNeed + outNeed);
    this.inCell = this.snap(Math.min(inBox / this.wp, height / this.hp, 64));
    // A one-row input (a 1-D signal) keeps cells tall enough to see and to point at.
    this.inCellY = this.hp === 1 ? Math.max(this.inCell, 32) : this.inCell;
    const mapsShown = this.mapsView === "all" ? this.maps : 1;
    const across = Math.ceil(Math.sqrt(mapsShown));
    const down = Math.ceil(mapsShown / across);
    this.outCell = this.snap(
      Math.min(
        (outBox - (across - 1) * 8) / (across * this.cols),
        (height - (down - 1) * 8) / (down * this.rows),
        64,
      ),
    );
    this.outCellY = this.rows === 1 ? Math.max(this.outCell, 32) : this.outCell;
    this.grid = { across, down, shown: mapsShown };
    this.size(this.inCanvas, this.inCell * this.wp, this.inCellY * this.hp);
    this.size(
      this.outCanvas,
      across * this.outCell * this.cols + (across - 1) * 8,
      down * this.outCellY * this.rows + (down - 1) * 8,
    );
    this.mapButtons();
    this.paintInput();
    // Whether each map's numbers fit its cells: measured once per layout, not every frame.
    this.outNumbers = Array.from({ length: this.maps }, (_, f) =>
      this.fits(this.outCell, (r, c) => this.readOut(f * this.count + r * this.cols + c).text(), this.rows, this.cols),
    );
    this.draw();
  }

  snap(cell) {
    // A whole number of device pixels a cell: crisp cells, and a pointer that lands on the
    // cell drawn under it, even at the far end of a 256-cell row.
    const ratio = window.devicePixelRatio || 1;
    return cell * ratio >= 4 ? Math.floor(cell * ratio) / ratio : cell;
  }

  size(canvas, w, h) {
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.max(1, Math.round(w * ratio));
    canvas.height = Math.max(1, Math.round(h * ratio));
    canvas.style.width = `${canvas.width / ratio}px`;
    canvas.style.height = `${canvas.height / ratio}px`;
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.imageSmoothingEnabled = false;
  }

  colourIn(pr, pc) {
    const picture = this.header.input.picture;
    if (this.channelView < 0 && this.channels === 3 && picture) {
      return [0, 1, 2].map((ch) => Math.max(0, Math.min(1, this.inputAt(pr, pc, ch))) * 255);
    }
    const ch = Math.max(0, this.channelView);
    const v = this.inputAt(pr, pc, ch);
    if (!Number.isFinite(v)) return [235, 235, 235];
    return picture ? grey(v) : diverging(v, this.inputLimit);
  }

  paintInput() {
    // The input once into an offscreen canvas, one pixel a cell; frames only copy it.
    const off = document.createElement("canvas");
    off.width = this.wp;
    off.height = this.hp;
    const ctx = off.getContext("2d");
    const img = ctx.createImageData(this.wp, this.hp);
    for (let r = 0; r < this.hp; r++) {
      for (let c = 0; c < this.wp; c++) {
        const rgb = this.colourIn(r, c);
        const o = (r * this.wp + c) * 4;
        const pad = this.isPadding(r, c);
        img.data[o] = pad ? lerp(rgb[0], 200, 0.55) : rgb[0];
        img.data[o + 1] = pad ? lerp(rgb[1], 200, 0.55) : rgb[1];
        img.data[o + 2] = pad ? lerp(rgb[2], 210, 0.55) : rgb[2];
        img.data[o + 3] = 255;
      }
    }
    ctx.putImageData(img, 0, 0);
    this.inputImage = off;
    this.inNumbers = this.fits(this.inCell, (r, c) => this.inputText(r, c), this.hp, this.wp);
  }

  inputText(r, c) {
    const ch = Math.max(0, this.channelView);
    return formatNumber(this.inputAt(r, c, ch), this.lang);
  }

  fits(cell, textOf, rows, cols) {
    // Numbers are written in cells when the longest one fits; else cells are pixels.
    if (cell < 18 || rows * cols > 900) return false;
    const ctx = this.inCanvas.getContext("2d");
    ctx.font = this.font(cell);
    let widest = 0;
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) widest = Math.max(widest, ctx.measureText(textOf(r, c)).width);
    return widest <= cell - 4;
  }

  font(cell) {
    return `${Math.max(10, Math.min(18, Math.floor(cell * 0.36)))}px system-ui, sans-serif`;
  }

  mapImage(f) {
    this.mapsImages = this.mapsImages || [];
    if (this.mapsImages[f]) return this.mapsImages[f];
    const off = document.createElement("canvas");
    off.width = this.cols;
    off.height = this.rows;
    const ctx = off.getContext("2d");
    const img = ctx.createImageData(this.cols, this.rows);
    for (let i = 0; i < this.count; i++) {
      const v = this.readOut(f * this.count + i).value;
      const rgb = Number.isFinite(v) ? diverging(v, this.outLimits[f]) : [200, 200, 200];
      img.data.set([rgb[0], rgb[1], rgb[2], 255], i * 4);
    }
    ctx.putImageData(img, 0, 0);
    this.mapsImages[f] = off;
    return off;
  }

  mapButtons() {
    this.mapsEl.innerHTML = "";
    if (this.maps < 2 || this.mapsView === "all") return;
    const L = this.ui.labels;
    for (let f = 0; f < this.maps; f++) {
      const b = document.createElement("button");
      b.className = "map-button" + (f === this.map ? " current" : "");
      b.textContent = template(L.map_short, { number: f });
      b.setAttribute("aria-pressed", String(f === this.map));
      b.dataset.testid = "stage-map";
      b.onclick = () => this.selectMap(f);
      this.mapsEl.appendChild(b);
    }
  }

  selectMap(f) {
    this.map = f;
    this.filling = false;
    this.mapButtons();
    this.draw();
    this.choose();
  }

  // The map shown at grid slot k and where slot k starts on the output canvas.
  slot(k) {
    const f = this.grid.shown === 1 ? this.map : k;
    const x = (k % this.grid.across) * (this.cols * this.outCell + 8);
    const y = Math.floor(k / this.grid.across) * (this.rows * this.outCellY + 8);
    return { f, x, y };
  }

  shownIndex() {
    if (this.hover && this.hover.kind === "out") return { map: this.hover.map, index: this.hover.index };
    return { map: this.map, index: this.step };
  }

  draw() {
    if (!this.header || !this.inputImage) return;
    const { map, index } = this.shownIndex();
    this.drawInput(index);
    this.drawOutput(map, index);
    this.drawMath(map, index);
    this.scrub.max = String(this.count - 1);
    this.scrub.value = String(this.step);
    const [r, c] = this.cellOf(index);
    const L = this.ui.labels;
    this.positionEl.textContent = template(L.position, { row: r, col: c, index: index + 1, count: this.count });
  }

  glidePosition(index) {
    const w = this.windowOf(index);
    if (!this.glide || (this.hover && this.hover.kind === "out")) return [w.top, w.left];
    const t = Math.min(1, (performance.now() - this.glide.t0) / this.glide.duration);
    const e = t < 0.5 ? 2 * t * t : 1 - (-2 * t + 2) ** 2 / 2;
    return [lerp(this.glide.from[0], w.top, e), lerp(this.glide.from[1], w.left, e)];
  }

  drawInput(index) {
    const ctx = this.inCanvas.getContext("2d");
    const s = this.inCell;
    const sy = this.inCellY;
    ctx.clearRect(0, 0, this.wp * s, this.hp * sy);
    ctx.drawImage(this.inputImage, 0, 0, this.wp * s, this.hp * sy);
    const [[top, bottom], [left, right]] = this.pads;
    if (this.inNumbers) {
      ctx.font = this.font(Math.min(s, sy));
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      for (let r = 0; r < this.hp; r++) {
        for (let c = 0; c < this.wp; c++) {
          ctx.fillStyle = ink(this.colourIn(r, c));
          if (this.isPadding(r, c)) ctx.fillStyle = "#666";
          ctx.fillText(this.inputText(r, c), (c + 0.5) * s, (r + 0.5) * sy + 1);
        }
      }
      ctx.strokeStyle = "rgba(0,0,0,0.12)";
      ctx.lineWidth = 1;
      for (let r = 0; r <= this.hp; r++) this.line(ctx, 0, r * sy, this.wp * s, r * sy);
      for (let c = 0; c <= this.wp; c++) this.line(ctx, c * s, 0, c * s, this.hp * sy);
    }
    if (top || bottom || left || right) {
      // The image's own edge, dashed: everything outside it is padding.
      ctx.save();
      ctx.setLineDash([4, 3]);
      ctx.strokeStyle = "#555";
      ctx.lineWidth = 1.5;
      ctx.strokeRect(left * s, top * sy, (this.wp - left - right) * s, (this.hp - top - bottom) * sy);
      ctx.restore();
    }
    // Every output cell fed by the hovered input cell is marked on the output; here the cell.
    if (this.hover && this.hover.kind === "in") {
      ctx.strokeStyle = COLORS.feeds;
      ctx.lineWidth = 3;
      ctx.strokeRect(this.hover.col * s + 1.5, this.hover.row * sy + 1.5, s - 3, sy - 3);
    }
    const [wt, wl] = this.glidePosition(index);
    const [kh, kw] = this.win.size;
    const [dr, dc] = this.win.dilation;
    const spanH = (kh - 1) * dr + 1;
    const spanW = (kw - 1) * dc + 1;
    ctx.lineWidth = Math.max(2, Math.min(4, s / 6));
    ctx.strokeStyle = COLORS.window;
    ctx.fillStyle = "rgba(213,94,0,0.16)";
    if (dr > 1 || dc > 1) {
      for (let m = 0; m < kh; m++) {
        for (let n = 0; n < kw; n++) {
          ctx.fillRect((wl + n * dc) * s, (wt + m * dr) * sy, s, sy);
          ctx.strokeRect((wl + n * dc) * s, (wt + m * dr) * sy, s, sy);
        }
      }
      ctx.setLineDash([3, 3]);
    } else {
      ctx.fillRect(wl * s, wt * sy, spanW * s, spanH * sy);
    }
    ctx.strokeRect(wl * s, wt * sy, spanW * s, spanH * sy);
    ctx.setLineDash([]);
    if (this.pool && this.pool.op === "max" && !this.glide) {
      const win = this.winner(this.map, index);
      if (win) {
        ctx.strokeStyle = COLORS.winner;
        ctx.lineWidth = 3;
        ctx.strokeRect(win[1] * s + 2, win[0] * sy + 2, s - 4, sy - 4);
      }
    }
  }

  line(ctx, x0, y0, x1, y1) {
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1, y1);
    ctx.stroke();
  }

  drawOutput(shownMap, index) {
    const ctx = this.outCanvas.getContext("2d");
    const s = this.outCell;
    const sy = this.outCellY;
    ctx.clearRect(0, 0, this.outCanvas.width, this.outCanvas.height);
    const numbers = this.outNumbers[this.map];
    for (let k = 0; k < this.grid.shown; k++) {
      const { f, x, y } = this.slot(k);
      ctx.drawImage(this.mapImage(f), x, y, this.cols * s, this.rows * sy);
      if (this.filling && f === this.map) {
        // Not computed yet: the rest of the current row, and every row below.
        const [r, c] = this.cellOf(this.step);
        ctx.fillStyle = "#f1f1f4";
        ctx.fillRect(x + (c + 1) * s, y + r * sy, (this.cols - c - 1) * s, sy);
        ctx.fillRect(x, y + (r + 1) * sy, this.cols * s, (this.rows - r - 1) * sy);
      }
      if (numbers) {
        ctx.font = this.font(Math.min(s, sy));
        ctx.textAlign = "center";
        ctx.textBaseline = "middle";
        for (let i = 0; i < this.count; i++) {
          if (this.filling && f === this.map && i > this.step) continue;
          const [r, c] = this.cellOf(i);
          const out = this.readOut(f * this.count + i);
          ctx.fillStyle = ink(diverging(out.value, this.outLimits[f]));
          ctx.fillText(out.text(), x + (c + 0.5) * s, y + (r + 0.5) * sy + 1);
        }
        ctx.strokeStyle = "rgba(0,0,0,0.12)";
        ctx.lineWidth = 1;
        for (let r = 0; r <= this.rows; r++) this.line(ctx, x, y + r * sy, x + this.cols * s, y + r * sy);
        for (let c = 0; c <= this.cols; c++) this.line(ctx, x + c * s, y, x + c * s, y + this.rows * sy);
      }
      if (f === shownMap) {
        const [r, c] = this.cellOf(index);
        ctx.strokeStyle = COLORS.cell;
        ctx.lineWidth = Math.max(2, Math.min(4, s / 6));
        ctx.strokeRect(x + c * s, y + r * sy, s, sy);
      }
      if (this.grid.shown > 1 && f === this.map) {
        ctx.strokeStyle = "#333";
        ctx.lineWidth = 2;
        ctx.strokeRect(x - 1, y - 1, this.cols * s + 2, this.rows * sy + 2);
      }
      if (this.hover && this.hover.kind === "in") {
        ctx.strokeStyle = COLORS.feeds;
        ctx.lineWidth = 2.5;
        for (const [r, c] of this.fedBy(this.hover.row, this.hover.col)) {
          ctx.strokeRect(x + c * s + 1.5, y + r * sy + 1.5, s - 3, sy - 3);
        }
      }
    }
    const L = this.ui.labels;
    this.el.querySelector(".out-title").textContent =
      this.grid.shown > 1 ? L.maps_title : template(L.output, { number: shownMap });
  }

  fedBy(pr, pc) {
    // Output cells whose window covers padded cell (pr, pc): r*s + m*d = pr for some tap m.
    const cells = [];
    const [sr, sc] = this.win.strides;
    const [dr, dc] = this.win.dilation;
    const [kh, kw] = this.win.size;
    const rowsHit = [];
    for (let r = 0; r < this.rows; r++) {
      const m = (pr - r * sr) / dr;
      if (Number.isInteger(m) && m >= 0 && m < kh) rowsHit.push(r);
    }
    for (let c = 0; c < this.cols; c++) {
      const n = (pc - c * sc) / dc;
      if (Number.isInteger(n) && n >= 0 && n < kw) for (const r of rowsHit) cells.push([r, c]);
    }
    return cells;
  }

  winner(f, index) {
    const w = this.windowOf(index);
    const ch = this.channels > 1 ? f : 0;
    let best = null;
    let bestValue = -Infinity;
    for (const r of w.rows) {
      for (const c of w.cols) {
        const v = this.inputAt(r, c, ch);
        if (best === null || v > bestValue) {
          best = [r, c];
          bestValue = v;
        }
      }
    }
    return best;
  }

  // ---- arithmetic ----

  weight(m, n, ch, f) {
    return this.conv.kernel[m][n][ch][f];
  }

  lines(f, index) {
    // The lines of ConvStep.formula_lines / PoolStep.formula_lines, written the same way.
    const lang = this.lang;
    const num = (x) => formatNumber(x, lang);
    const op = (x) => {
      const t = num(x);
      return t.startsWith(MINUS) ? `(${t})` : t;
    };
    const w = this.windowOf(index);
    const flat = f * this.count + index;
    const L = this.ui.labels;
    if (this.pool) {
      const ch = this.channels > 1 ? f : 0;
      const real = [];
      for (const r of w.rows) for (const c of w.cols) if (!this.isPadding(r, c)) real.push(this.inputAt(r, c, ch));
      const result = this.text(this.totals, flat);
      if (this.pool.op === "max") return [`max(${real.map(num).join(L.list_separator)}) = ${result}`];
      return [`(${real.map(op).join(" + ")}) / ${real.length} = ${result}`];
    }
    const conv = this.conv;
    const filter = conv.per_channel ? 0 : f;
    const inChannels = conv.per_channel ? [f] : [...Array(this.channels).keys()];
    const perChannel = inChannels.map((ch, k) => {
      const terms = [];
      let part = 0;
      for (let m = 0; m < w.rows.length; m++) {
        for (let n = 0; n < w.cols.length; n++) {
          const v = this.inputAt(w.rows[m], w.cols[n], ch);
          const wt = this.weight(m, n, conv.per_channel ? 0 : k, filter);
          terms.push(`${op(v)}·${op(wt)}`);
          part += v * wt;
        }
      }
      return { terms, part };
    });
    const bias = conv.bias[filter];
    const total = this.text(this.totals, flat);
    let out;
    if (conv.channel_lines) {
      out = perChannel.map(
        ({ terms, part }, ch) => `${template(L.channel, { index: ch })}: ${terms.join(" + ")} = ${num(part)}`,
      );
      const sum = perChannel.map(({ part }) => op(part));
      if (bias) sum.push(op(bias));
      out.push(`${sum.join(" + ")} = ${total}`);
    } else {
      const terms = [perChannel.map(({ terms }) => terms.join(" + ")).join(" + ")];
      if (bias) terms.push(op(bias));
      out = [`${terms.join(" + ")} = ${total}`];
    }
    if (conv.activation !== "linear") out.push(`${conv.activation}(${total}) = ${this.readOut(flat).text()}`);
    return out;
  }

  drawMath(f, index) {
    const [r, c] = this.cellOf(index);
    const L = this.ui.labels;
    const cellText = this.maps > 1 ? template(L.cell_map, { row: r, col: c, number: f }) : template(L.cell, { row: r, col: c });
    this.cellEl.textContent = cellText;
    const lines = this.lines(f, index);
    this.linesEl.replaceChildren(
      ...lines.map((line, i) => {
        const p = document.createElement("div");
        p.className = "line" + (i === lines.length - 1 ? " result" : "");
        p.textContent = line;
        return p;
      }),
    );
    this.drawLens(f, index);
    if (!this.playing) this.liveEl.textContent = `${cellText}. ${lines.join(". ")}`;
  }

  drawLens(f, index) {
    // The window zoomed: its values, and for a convolution the weights and the products.
    const w = this.windowOf(index);
    const kh = w.rows.length;
    const kw = w.cols.length;
    const conv = this.conv;
    const channels = conv ? (conv.per_channel ? [f] : [...Array(this.channels).keys()]) : [this.channels > 1 ? f : 0];
    const shown = this.channelView >= 0 && channels.length > 1 ? [this.channelView] : channels;
    const panels = conv ? 3 : 1;
    const panel = this.lensCanvas.parentElement.clientWidth || 300;
    const box = this.el.classList.contains("narrow") && !this.el.classList.contains("phone") ? 0.55 * panel : panel;
    // As wide as the panel allows, and no taller than the input beside it (or a third of
    // the window when stacked), so three channels of a colour filter stay on screen.
    const tallest = this.el.classList.contains("narrow")
      ? window.innerHeight * 0.35
      : Math.max(220, this.inCellY * this.hp);
    const cell = Math.max(
      12,
      Math.min(
        44,
        Math.floor((box - (panels - 1) * 28 - 8) / (panels * kw)),
        Math.floor((tallest - shown.length * 18) / (shown.length * kh)),
      ),
    );
    const rowH = kh * cell + 18;
    this.size(this.lensCanvas, panels * kw * cell + (panels - 1) * 28, shown.length * rowH);
    const ctx = this.lensCanvas.getContext("2d");
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    const win = this.pool && this.pool.op === "max" ? this.winner(f, index) : null;
    shown.forEach((ch, k) => {
      const y0 = k * rowH + 14;
      const values = [];
      const weights = [];
      const products = [];
      for (let m = 0; m < kh; m++) {
        for (let n = 0; n < kw; n++) {
          const v = this.inputAt(w.rows[m], w.cols[n], ch);
          values.push(v);
          if (conv) {
            const wt = this.weight(m, n, conv.per_channel ? 0 : ch, conv.per_channel ? 0 : f);
            weights.push(wt);
            products.push(v * wt);
          }
        }
      }
      ctx.font = "12px system-ui, sans-serif";
      ctx.fillStyle = "#444";
      ctx.textAlign = "left";
      if (this.channels > 1) ctx.fillText(this.ui.labels.channel_names[ch] || String(ch), 0, y0 - 8);
      ctx.textAlign = "center";
      const grids = conv ? [values, weights, products] : [values];
      grids.forEach((grid, g) => {
        const x0 = g * (kw * cell + 28);
        const limit = Math.max(1e-12, ...grid.filter(Number.isFinite).map(Math.abs));
        for (let m = 0; m < kh; m++) {
          for (let n = 0; n < kw; n++) {
            const v = grid[m * kw + n];
            const rgb = Number.isFinite(v) ? diverging(v, limit) : [220, 220, 220];
            ctx.fillStyle = css(rgb);
            ctx.fillRect(x0 + n * cell, y0 + m * cell, cell, cell);
            if (g === 0 && this.isPadding(w.rows[m], w.cols[n])) {
              ctx.fillStyle = "rgba(150,150,170,0.45)";
              ctx.fillRect(x0 + n * cell, y0 + m * cell, cell, cell);
            }
            ctx.strokeStyle = "rgba(0,0,0,0.2)";
            ctx.lineWidth = 1;
            ctx.strokeRect(x0 + n * cell, y0 + m * cell, cell, cell);
            const label = formatNumber(v, this.lang);
            let px = Math.min(14, Math.floor(cell * 0.42));
            ctx.font = `${px}px system-ui, sans-serif`;
            while (px > 9 && ctx.measureText(label).width > cell - 3) {
              px -= 1;
              ctx.font = `${px}px system-ui, sans-serif`;
            }
            if (ctx.measureText(label).width <= cell - 3) {
              ctx.fillStyle = ink(rgb);
              ctx.fillText(label, x0 + (n + 0.5) * cell, y0 + (m + 0.5) * cell + 1);
            }
          }
        }
        if (win && g === 0) {
          const m = w.rows.indexOf(win[0]);
          const n = w.cols.indexOf(win[1]);
          ctx.strokeStyle = COLORS.winner;
          ctx.lineWidth = 3;
          ctx.strokeRect(x0 + n * cell + 1.5, y0 + m * cell + 1.5, cell - 3, cell - 3);
        }
        if (g < grids.length - 1) {
          ctx.font = "18px system-ui, sans-serif";
          ctx.fillStyle = "#333";
          ctx.fillText(g === 0 ? "\u00d7" : "=", x0 + kw * cell + 14, y0 + (kh * cell) / 2);
        }
      });
    });
  }

  // ---- motion ----

  jump(index) {
    if (!this.header) return;
    this.moveTo(Math.max(0, Math.min(this.count - 1, index)));
  }

  moveTo(next) {
    const from = this.glidePosition(this.step);
    const rate = BASE_RATE * SPEEDS[this.speed];
    const duration = this.reducedMotion ? 0 : Math.min(260, 700 / rate);
    this.glide = duration > 0 && next !== this.step ? { from, t0: performance.now(), duration } : null;
    this.step = next;
    this.schedule();
    this.draw();
  }

  toggle() {
    if (this.playing) this.stop();
    else this.start();
  }

  start() {
    if (this.step >= this.count - 1) this.step = 0;
    this.playing = true;
    this.filling = true;
    this.credit = 0;
    this.last = performance.now();
    this.playLabel();
    this.schedule();
  }

  stop() {
    this.playing = false;
    this.playLabel();
    this.draw();
  }

  setSpeed(i) {
    this.speed = Math.max(0, Math.min(SPEEDS.length - 1, i));
    this.speedEl.value = String(this.speed);
  }

  schedule() {
    if (!this.raf) this.raf = requestAnimationFrame(this.frame);
  }

  frame(now) {
    this.raf = null;
    if (!this.el.isConnected) return;
    // Pointing at an output cell holds the play where it is; pointing at the input does not.
    const holding = this.hover && this.hover.kind === "out";
    if (this.playing && !holding) {
      this.credit += ((now - this.last) / 1000) * BASE_RATE * SPEEDS[this.speed];
      const steps = Math.floor(this.credit);
      if (steps > 0) {
        this.credit -= steps;
        let next = this.step + steps;
        if (next >= this.count) {
          if (this.loop) next %= this.count;
          else {
            next = this.count - 1;
            this.playing = false;
            this.playLabel();
          }
        }
        this.moveTo(next);
      }
    }
    this.last = now;
    const gliding = this.glide && now - this.glide.t0 < this.glide.duration;
    if (!gliding && this.glide) this.glide = null;
    this.draw();
    if (this.playing || gliding) this.schedule();
  }

  // ---- pointer and keyboard ----

  locate(canvas, e) {
    const rect = canvas.getBoundingClientRect();
    const x = e.clientX - rect.left;
    const y = e.clientY - rect.top;
    if (canvas === this.inCanvas) {
      const row = Math.floor(y / this.inCellY);
      const col = Math.floor(x / this.inCell);
      if (row < 0 || col < 0 || row >= this.hp || col >= this.wp) return null;
      return { kind: "in", row, col };
    }
    const s = this.outCell;
    const across = Math.floor(x / (this.cols * s + 8));
    const down = Math.floor(y / (this.rows * this.outCellY + 8));
    const k = down * this.grid.across + across;
    if (k < 0 || k >= this.grid.shown) return null;
    const { f, x: x0, y: y0 } = this.slot(k);
    const row = Math.floor((y - y0) / this.outCellY);
    const col = Math.floor((x - x0) / s);
    if (row < 0 || col < 0 || row >= this.rows || col >= this.cols) return null;
    return { kind: "out", map: f, index: row * this.cols + col };
  }

  point(canvas, e) {
    const spot = this.locate(canvas, e);
    const same = JSON.stringify(spot) === JSON.stringify(this.hover);
    if (same) return;
    this.hover = spot;
    this.draw();
  }

  unpoint() {
    if (!this.hover) return;
    this.hover = null;
    this.draw();
    if (this.playing) this.schedule();
  }

  click(canvas, e) {
    const spot = this.locate(canvas, e);
    if (!spot || spot.kind !== "out") return;
    this.stop();
    this.filling = false;
    this.map = spot.map;
    this.hover = null;
    this.mapButtons();
    this.jump(spot.index);
    this.choose();
  }

  choose() {
    // Tell Python: the page's inspector, exports and link follow this cell.
    const [row, col] = this.cellOf(this.step);
    const cell = { row, col, map: this.maps > 1 || this.header.output.axis ? this.map : null };
    this.lastSelected = JSON.stringify([row, col, cell.map]);
    if (this.send) this.send("cell", cell);
  }

  key(e) {
    const actions = {
      " ": () => this.toggle(),
      ArrowRight: () => this.jump(this.step + 1),
      ArrowLeft: () => this.jump(this.step - 1),
      ArrowDown: () => this.jump(this.step + this.cols),
      ArrowUp: () => this.jump(this.step - this.cols),
      Home: () => this.jump(0),
      End: () => this.jump(this.count - 1),
      "+": () => this.setSpeed(this.speed + 1),
      "=": () => this.setSpeed(this.speed + 1),
      "-": () => this.setSpeed(this.speed - 1),
      Enter: () => this.choose(),
    };
    const target = e.target.tagName;
    if (target === "SELECT" || (target === "INPUT" && e.target.type !== "range" && e.key !== " ")) return;
    const action = actions[e.key];
    if (!action) return;
    e.preventDefault();
    if (e.key.startsWith("Arrow") || e.key === "Home" || e.key === "End") this.stop();
    action();
  }
}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  if (!data || !data.header) return;
  let stage = parentElement.__cnnvizStage;
  if (!stage || !stage.el.isConnected) {
    stage = new Stage(parentElement);
    parentElement.__cnnvizStage = stage;
    // For the browser tests and the benchmark: the formatter and the live stage.
    window.__cnnvizStages = window.__cnnvizStages || {};
  }
  window.__cnnvizStages[data.ui.key] = stage;
  window.__cnnvizFormat = formatNumber;
  stage.update(data, setStateValue);
}
