// Convolution as a matrix: the matrix drawn cell by cell, with its operand and result.
//
// Python (cnnviz/ui/matrix_view.py) sends everything already computed and written out:
// the matrix's entries (row, column, which kernel weight), the kernel, the operand and
// the result as texts, and one readout per row and per column. Nothing is computed here
// but the drawing: pointing at a row lights its result cell and the operand cells it
// reads (orange); at a column, its operand cell and every result cell it feeds (blue).
// A tap pins the choice on a phone; the arrow keys move it; Play walks the rows.

const ROW = "#D55E00"; // Okabe-Ito vermilion: a row, its result cell, its window
const COL = "#0072B2"; // Okabe-Ito blue: a column, its operand cell, the cells it feeds
// One colour per kernel weight: Tableau 10 for a 3x3 kernel, evenly spaced hues beyond.
const PALETTE = [
  "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
  "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
];
const SEVERAL = "#8a8a8a"; // an entry that sums several weights (padding copies)
const ROWS_PER_SECOND = 3;

function tapColour(tap, count) {
  if (tap < 0) return SEVERAL;
  if (count <= PALETTE.length) return PALETTE[tap];
  const hue = Math.round((tap * 360) / count + 200) % 360;
  return `hsl(${hue} 62% ${tap % 2 ? 62 : 42}%)`;
}

function ink(colour) {
  // Dark text on light fills: the luminance of the drawn colour, read back from a canvas.
  const c = document.createElement("canvas").getContext("2d");
  c.fillStyle = colour;
  c.fillRect(0, 0, 1, 1);
  const [r, g, b] = c.getImageData(0, 0, 1, 1).data;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 140 ? "#111" : "#fff";
}

class MatrixView {
  constructor(root) {
    this.root = root;
    this.hover = null; // {r, c}: either may be null (a row only, a column only)
    this.pinned = null;
    this.playing = false;
    this.timer = null;
    this.reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    this.build();
    this.resizer = new ResizeObserver(() => this.layout());
    this.resizer.observe(this.el);
  }

  build() {
    const el = document.createElement("div");
    el.className = "mx";
    // A grid: the equation M · x = y, then the readout, the kernel and the input and
    // output grids either at the right or under the matrix (whichever leaves bigger
    // cells); on a phone everything stacks.
    el.innerHTML = `
      <figure class="fig matrix"><figcaption class="cap m-cap"></figcaption>
        <canvas class="m" tabindex="0" data-testid="matrix-canvas"></canvas></figure>
      <span class="op op1">·</span>
      <figure class="fig vecfig vin"><figcaption class="cap v-in-cap"></figcaption>
        <div class="vec v-in" data-testid="matrix-operand-vector"></div></figure>
      <span class="op op2">=</span>
      <figure class="fig vecfig vout"><figcaption class="cap v-out-cap"></figcaption>
        <div class="vec v-out" data-testid="matrix-result-vector"></div></figure>
      <div class="side">
        <div class="bar">
          <button class="play" data-testid="matrix-play"></button>
          <div class="readout" aria-live="polite" data-testid="matrix-readout"></div>
        </div>
        <figure class="fig legend"><figcaption class="cap k-cap"></figcaption>
          <div class="grid kernel" data-testid="matrix-kernel"></div></figure>
        <figure class="fig gin"><figcaption class="cap g-in-cap"></figcaption>
          <div class="grid g-in" data-testid="matrix-operand"></div></figure>
        <figure class="fig gout"><figcaption class="cap g-out-cap"></figcaption>
          <div class="grid g-out" data-testid="matrix-result"></div></figure>
      </div>
`;
    this.root.appendChild(el);
    this.el = el;
    const q = (s) => el.querySelector(s);
    this.canvas = q("canvas.m");
    this.readout = q(".readout");
    this.playButton = q(".play");
    this.playButton.onclick = () => (this.playing ? this.stop() : this.play());
    this.canvas.addEventListener("pointermove", (e) => {
      if (e.pointerType === "mouse") this.point(this.locate(e));
    });
    this.canvas.addEventListener("pointerleave", () => this.point(null));
    this.canvas.addEventListener("pointerdown", (e) => this.pin(this.locate(e)));
    this.canvas.addEventListener("keydown", (e) => this.key(e));
    for (const [sel, kind] of [[".v-in", "c"], [".g-in", "c"], [".v-out", "r"], [".g-out", "r"]]) {
      const box = q(sel);
      box.addEventListener("pointerover", (e) => this.pointItem(e, kind, false));
      box.addEventListener("pointerleave", () => this.point(null));
      box.addEventListener("pointerdown", (e) => this.pointItem(e, kind, true));
    }
  }

  // ---- data from Python ----

  update(data) {
    const view = JSON.stringify([data.id, data.ui]);
    if (view === this.view) return;
    this.view = view;
    this.data = data;
    const { rows, cols, cells } = data.matrix;
    this.rows = rows;
    this.cols = cols;
    // Entries by row and by column, for the highlights.
    this.byRow = Array.from({ length: rows }, () => []);
    this.byCol = Array.from({ length: cols }, () => []);
    for (const [r, c, tap] of cells) {
      this.byRow[r].push([c, tap]);
      this.byCol[c].push([r, tap]);
    }
    this.taps = data.kernel.texts.length;
    const focus = this.focus();
    if (focus && (focus.r >= rows || focus.c >= cols)) this.pinned = this.hover = null;
    this.label();
    this.fillGrids();
    this.layout();
  }

  label() {
    const L = this.data.ui.labels;
    const q = (s) => this.el.querySelector(s);
    q(".m-cap").textContent = L.matrix;
    q(".v-in-cap").textContent = L.operand_vector;
    q(".v-out-cap").textContent = L.result_vector;
    q(".k-cap").textContent = L.kernel;
    q(".g-in-cap").textContent = L.operand;
    q(".g-out-cap").textContent = L.result;
    this.canvas.setAttribute("aria-label", L.aria);
    this.el.classList.toggle("present", !!this.data.ui.present);
    this.playLabel();
    this.showReadout();
  }

  playLabel() {
    const L = this.data.ui.labels;
    this.playButton.textContent = this.playing ? L.pause : L.play;
  }

  fillGrids() {
    const q = (s) => this.el.querySelector(s);
    const { kernel, operand, result } = this.data;
    // Texts go in as text, never as HTML.
    const cells = (box, texts, cls) =>
      box.replaceChildren(
        ...texts.map((text, i) => {
          const div = document.createElement("div");
          div.className = cls;
          div.dataset.i = String(i);
          div.textContent = text;
          return div;
        }),
      );
    const grid = (box, g, cls) => {
      box.style.gridTemplateColumns = `repeat(${g.cols}, minmax(1.7em, auto))`;
      cells(box, g.texts, cls);
    };
    grid(q(".kernel"), kernel, "k");
    q(".kernel").querySelectorAll(".k").forEach((div, i) => {
      const fill = tapColour(i, this.taps);
      div.style.background = fill;
      div.style.color = ink(fill);
    });
    grid(q(".g-in"), operand, "g");
    grid(q(".g-out"), result, "g");
    cells(q(".v-in"), operand.texts, "v");
    cells(q(".v-out"), result.texts, "v");
  }

  // ---- size ----

  layout() {
    if (!this.data) return;
    const width = (this.el.clientWidth || 600) - 4;
    const q = (sel) => this.el.querySelector(sel);
    const high = window.innerHeight;
    const vectors = [...this.el.querySelectorAll(".vec")];
    // Numbers fit in the vectors from 10 px cells on; below they are strips. Both widths
    // are measured (presenter mode scales the type), with the signs and the five gaps.
    const tiny = (cell) => cell < 10;
    const vectorWidth = (strips) => {
      for (const vec of vectors) vec.classList.toggle("tiny", strips);
      return q(".vin").offsetWidth + q(".vout").offsetWidth;
    };
    const signs = q(".op1").offsetWidth + q(".op2").offsetWidth + 5 * 10;
    const equation = { wide: vectorWidth(false) + signs, strips: vectorWidth(true) + signs };
    const sideWidth = Math.max(...[".legend", ".gin", ".gout"].map((s) => q(s).offsetWidth));
    const size = (across, tall) =>
      Math.max(0, Math.min(22, Math.floor(Math.min(across / this.cols, tall / this.rows))));
    // The matrix's caption wraps to the matrix's width, but to no less than 12 em.
    const capLine = parseFloat(getComputedStyle(q(".m-cap")).fontSize) * 1.2;
    const capWidth = 10 * capLine;
    const fit = (rest, tall) => {
      const fits = (across) => (across >= capWidth ? size(across, tall) : 0);
      const wide = fits(width - equation.wide - rest);
      return tiny(wide) ? fits(width - equation.strips - rest) : wide;
    };
    // The matrix ends above the bottom of the window (the grids may go under it, below).
    // Measured from the component's top, with up to three lines of caption above the
    // matrix: the caption's own height would depend on the cell.
    const top = this.el.getBoundingClientRect().top + window.scrollY + 3 * capLine + 6;
    const room = Math.max(high - top - 24, high * 0.4);
    const beside = fit(sideWidth, room);
    const under = fit(0, room);
    const stacked = Math.max(beside, under) < 4;
    // Beside keeps the grids in sight: worth cells up to 40 % smaller, or any from 7 px
    // (still easy to point at).
    const below = !stacked && (beside < 4 || (beside < 7 && beside < 0.6 * under));
    this.el.classList.toggle("stacked", stacked);
    this.el.classList.toggle("under", below);
    this.cell = stacked ? Math.max(3, size(width, room)) : below ? under : beside;
    const ratio = window.devicePixelRatio || 1;
    const matrixWidth = this.cols * this.cell;
    this.canvas.width = Math.round(matrixWidth * ratio);
    this.canvas.height = Math.round(this.rows * this.cell * ratio);
    this.canvas.style.width = `${matrixWidth}px`;
    this.canvas.style.height = `${this.rows * this.cell}px`;
    // Under the matrix, the kernel and grids wrap within its width instead of widening it.
    q(".m-cap").style.maxWidth = `${Math.max(matrixWidth, capWidth)}px`;
    q(".side").style.maxWidth = this.el.classList.contains("under") ? `${Math.max(matrixWidth, sideWidth)}px` : "";
    this.ratio = ratio;
    for (const vec of vectors) {
      vec.style.setProperty("--cell", `${this.cell}px`);
      vec.classList.toggle("tiny", tiny(this.cell));
    }
    this.draw();
  }

  // ---- drawing ----

  focus() {
    return this.pinned || this.hover;
  }

  draw() {
    const ctx = this.canvas.getContext("2d");
    const s = this.cell;
    ctx.setTransform(this.ratio, 0, 0, this.ratio, 0, 0);
    ctx.clearRect(0, 0, this.cols * s, this.rows * s);
    const f = this.focus();
    const gap = s >= 6 ? 1 : 0;
    // Faint lines every row and column; blank cells stay blank (sparsity).
    ctx.fillStyle = "rgba(128,128,128,0.07)";
    for (let r = 0; r < this.rows; r += 2) ctx.fillRect(0, r * s, this.cols * s, s);
    for (const [r, c, tap] of this.data.matrix.cells) {
      const lit = !f || r === f.r || c === f.c;
      ctx.globalAlpha = lit ? 1 : 0.28;
      ctx.fillStyle = tapColour(tap, this.taps);
      ctx.fillRect(c * s, r * s, s - gap, s - gap);
    }
    ctx.globalAlpha = 1;
    ctx.lineWidth = 2;
    if (f && f.r !== null) {
      ctx.strokeStyle = ROW;
      ctx.strokeRect(1, f.r * s + 1, this.cols * s - 2, s - 2);
    }
    if (f && f.c !== null) {
      ctx.strokeStyle = COL;
      ctx.strokeRect(f.c * s + 1, 1, s - 2, this.rows * s - 2);
    }
    this.highlight(f);
  }

  highlight(f) {
    const mark = (sel, set, cls) => {
      for (const div of this.el.querySelectorAll(sel)) {
        div.classList.toggle(cls, set.has(Number(div.dataset.i)));
      }
    };
    const rowSet = new Set(f && f.r !== null ? [f.r] : []);
    const colSet = new Set(f && f.c !== null ? [f.c] : []);
    // A row reads these operand cells; a column feeds these result cells.
    const reads = new Set(f && f.r !== null ? this.byRow[f.r].map(([c]) => c) : []);
    const feeds = new Set(f && f.c !== null ? this.byCol[f.c].map(([r]) => r) : []);
    const taps = new Set();
    if (f && f.r !== null && f.c !== null) {
      for (const [c, tap] of this.byRow[f.r]) if (c === f.c) taps.add(tap);
    }
    mark(".g-in .g, .v-in .v", reads, "reads");
    mark(".g-in .g, .v-in .v", colSet, "col");
    mark(".g-out .g, .v-out .v", rowSet, "row");
    mark(".g-out .g, .v-out .v", feeds, "feeds");
    mark(".kernel .k", taps, "tap");
    this.showReadout();
  }

  showReadout() {
    const f = this.focus();
    const { readouts } = this.data;
    const lines = [];
    const line = (text, cls) => {
      const span = document.createElement("span");
      span.className = cls;
      span.textContent = text;
      lines.push(span);
    };
    if (f && f.r !== null) line(readouts.rows[f.r], "r");
    if (f && f.c !== null) line(readouts.cols[f.c], "c");
    if (!lines.length) line(this.data.ui.labels.hint, "hint");
    this.readout.replaceChildren(...lines);
  }

  // ---- pointer, keyboard, play ----

  locate(e) {
    const rect = this.canvas.getBoundingClientRect();
    const c = Math.floor((e.clientX - rect.left) / this.cell);
    const r = Math.floor((e.clientY - rect.top) / this.cell);
    if (r < 0 || c < 0 || r >= this.rows || c >= this.cols) return null;
    return { r, c };
  }

  point(spot) {
    if (JSON.stringify(spot) === JSON.stringify(this.hover)) return;
    this.hover = spot;
    this.draw();
  }

  pin(spot) {
    this.stop();
    const same = JSON.stringify(spot) === JSON.stringify(this.pinned);
    this.pinned = same ? null : spot;
    this.draw();
  }

  pointItem(e, kind, pin) {
    const div = e.target.closest("[data-i]");
    if (!div) return;
    const i = Number(div.dataset.i);
    const spot = kind === "r" ? { r: i, c: null } : { r: null, c: i };
    if (pin) this.pin(spot);
    else if (e.pointerType === "mouse") this.point(spot);
  }

  key(e) {
    const f = this.focus() || { r: 0, c: 0 };
    const r = f.r ?? 0;
    const c = f.c ?? 0;
    const moves = {
      ArrowUp: [r - 1, c],
      ArrowDown: [r + 1, c],
      ArrowLeft: [r, c - 1],
      ArrowRight: [r, c + 1],
    };
    if (e.key === "Escape") {
      this.pinned = this.hover = null;
      this.draw();
      return;
    }
    if (!(e.key in moves)) return;
    e.preventDefault();
    const [nr, nc] = moves[e.key];
    this.stop();
    this.pinned = {
      r: Math.max(0, Math.min(this.rows - 1, nr)),
      c: Math.max(0, Math.min(this.cols - 1, nc)),
    };
    this.draw();
  }

  play() {
    this.playing = true;
    this.playLabel();
    const start = this.pinned && this.pinned.r !== null ? this.pinned.r + 1 : 0;
    let row = start >= this.rows ? 0 : start;
    const step = () => {
      if (!this.el.isConnected || !this.playing) return;
      this.pinned = { r: row, c: null };
      this.draw();
      row += 1;
      if (row >= this.rows) return this.stop();
      this.timer = setTimeout(step, this.reducedMotion ? 1500 : 1000 / ROWS_PER_SECOND);
    };
    step();
  }

  stop() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.playing) return;
    this.playing = false;
    this.playLabel();
  }
}

export default function (component) {
  const { data, parentElement } = component;
  if (!data || !data.matrix) return;
  let view = parentElement.__cnnvizMatrix;
  if (!view || !view.el.isConnected) {
    view = new MatrixView(parentElement);
    parentElement.__cnnvizMatrix = view;
  }
  window.__cnnvizMatrices = window.__cnnvizMatrices || {};
  window.__cnnvizMatrices[data.ui.key] = view;
  view.update(data);
}
