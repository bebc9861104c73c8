// The label-overlay view: a picture with its label map coloured over it in the browser, an
// opacity slider, and a legend naming the classes (with their share of the pixels) whose
// entries toggle a class on and off. Masks travel as class indices and are coloured here, so
// the slider and the toggles need no round trip. One component for every page that shows
// predictions (the ONNX web export, the inspector); no dependencies but the DOM.
//
//   const view = new LabelOverlay({ opacity: 0.5 });
//   document.body.append(view.element);
//   view.setClasses(['background', 'cell'], [[0, 0, 0], [255, 0, 0]]);
//   view.setImage(imageData);                    // RGBA pixels (ImageData)
//   view.setLabels(labels, width, height);       // Uint8Array of class indices, row-major
//   view.addEventListener('classtoggle', (e) => console.log(e.detail)); // { index, visible }
//   // With { editColors: true } a legend swatch is a colour input: 'colorchange' { index, color }.

export type Rgb = readonly [number, number, number];

export interface LabelOverlayOptions {
  /** Opacity of the class colours over the picture, 0..1 (default 0.5). */
  opacity?: number;
  /** Legend entries: the classes present in the label map (default) or all classes. */
  legend?: 'present' | 'all';
  /** Show the opacity slider (default true). */
  slider?: boolean;
  /** Small pictures are shown enlarged by a whole factor (pixels stay sharp) to about this width (default 480 CSS px). */
  minDisplayWidth?: number;
  /** Legend swatches are colour inputs that recolour their class (default false). */
  editColors?: boolean;
}

/** Detail of the 'colorchange' event. */
export interface ClassColor {
  index: number;
  color: Rgb;
}

/** Detail of the 'classtoggle' event. */
export interface ClassToggle {
  index: number;
  visible: boolean;
}

const STYLE_ID = 'pw-overlay-style';
const STYLE = `
.pw-overlay { display: flex; gap: 16px; align-items: flex-start; flex-wrap: wrap; font: 14px/1.4 system-ui, sans-serif; color: #222; }
.pw-overlay canvas { max-width: 100%; image-rendering: pixelated; border: 1px solid #bbb; background: #eee; }
.pw-overlay-side { min-width: 180px; }
.pw-overlay-slider { display: flex; gap: 8px; align-items: center; margin-bottom: 10px; }
.pw-overlay-slider input { flex: 1; }
.pw-overlay-slider[hidden] { display: none; }
.pw-overlay-legend { list-style: none; margin: 0; padding: 0; }
.pw-overlay-legend li { display: flex; align-items: center; gap: 8px; padding: 2px 4px; cursor: pointer; user-select: none; border-radius: 3px; }
.pw-overlay-legend li:hover { background: #f0f0f0; }
.pw-overlay-legend li.pw-hidden { opacity: 0.45; text-decoration: line-through; }
.pw-overlay-swatch { width: 14px; height: 14px; border: 1px solid rgba(0,0,0,.35); flex: none; }
input.pw-overlay-swatch { -webkit-appearance: none; appearance: none; padding: 0; margin: 0; cursor: pointer; background: none; box-sizing: border-box; }
input.pw-overlay-swatch::-webkit-color-swatch-wrapper { padding: 0; }
input.pw-overlay-swatch::-webkit-color-swatch { border: 0; }
input.pw-overlay-swatch::-moz-color-swatch { border: 0; }
.pw-overlay-share { margin-left: auto; color: #666; font-variant-numeric: tabular-nums; }
`;

function injectStyle(doc: Document): void {
  if (doc.getElementById(STYLE_ID)) return;
  const style = doc.createElement('style');
  style.id = STYLE_ID;
  style.textContent = STYLE;
  doc.head.append(style);
}

/**
 * The overlay-and-legend view. Events (on the instance, an EventTarget): 'classtoggle'
 * (CustomEvent<ClassToggle>) when a legend entry is clicked, 'opacitychange' (CustomEvent<number>).
 */
export class LabelOverlay extends EventTarget {
  /** The root element to put in the page. */
  readonly element: HTMLDivElement;
  /** The composed picture, at the image's size. */
  readonly canvas: HTMLCanvasElement;
  readonly #ctx: CanvasRenderingContext2D;
  readonly #legend: HTMLUListElement;
  readonly #slider: HTMLInputElement;
  readonly #sliderValue: HTMLSpanElement;
  readonly #legendMode: 'present' | 'all';
  readonly #minDisplayWidth: number;
  readonly #editColors: boolean;
  #image: ImageData | null = null;
  #labels: Uint8Array | Uint16Array | null = null;
  #names: string[] = [];
  #colors: Rgb[] = [];
  #hidden = new Set<number>();
  #opacity: number;

  constructor(options: LabelOverlayOptions = {}, doc: Document = document) {
    super();
    injectStyle(doc);
    this.#opacity = clamp01(options.opacity ?? 0.5);
    this.#legendMode = options.legend ?? 'present';
    this.#minDisplayWidth = options.minDisplayWidth ?? 480;
    this.#editColors = options.editColors ?? false;
    this.element = doc.createElement('div');
    this.element.className = 'pw-overlay';
    this.canvas = doc.createElement('canvas');
    this.canvas.width = this.canvas.height = 0;
    this.#ctx = this.canvas.getContext('2d', { willReadFrequently: true })!;
    const side = doc.createElement('div');
    side.className = 'pw-overlay-side';
    const slider = doc.createElement('label');
    slider.className = 'pw-overlay-slider';
    slider.hidden = options.slider === false;
    this.#slider = doc.createElement('input');
    this.#slider.type = 'range';
    this.#slider.min = '0';
    this.#slider.max = '100';
    this.#slider.value = String(Math.round(this.#opacity * 100));
    this.#slider.setAttribute('aria-label', 'overlay opacity');
    this.#sliderValue = doc.createElement('span');
    this.#slider.addEventListener('input', () => {
      this.opacity = Number(this.#slider.value) / 100;
    });
    slider.append('opacity', this.#slider, this.#sliderValue);
    this.#legend = doc.createElement('ul');
    this.#legend.className = 'pw-overlay-legend';
    side.append(slider, this.#legend);
    this.element.append(this.canvas, side);
    this.#showOpacity();
  }

  /** Class names and colours, one per class index. */
  setClasses(names: readonly string[], colors: readonly Rgb[]): void {
    if (colors.length < names.length) throw new Error(`LabelOverlay: ${names.length} class names but ${colors.length} colours`);
    this.#names = [...names];
    this.#colors = colors.map((c) => [c[0], c[1], c[2]] as const);
    this.#render();
  }

  /** The colour of one class; repaints without rebuilding the legend (an open colour picker stays open). */
  setClassColor(index: number, color: Rgb): void {
    if (index < 0 || index >= this.#colors.length) throw new Error(`LabelOverlay: no class ${index} (there are ${this.#colors.length})`);
    this.#colors[index] = [color[0], color[1], color[2]];
    this.#paint();
    const swatch = this.#legend.querySelector<HTMLElement>(`li[data-class="${index}"] .pw-overlay-swatch`);
    if (swatch instanceof HTMLInputElement) swatch.value = toHex(color);
    else if (swatch) swatch.style.background = `rgb(${color[0]}, ${color[1]}, ${color[2]})`;
  }

  /** The colours, one per class index. */
  get colors(): Rgb[] {
    return this.#colors.map((c) => [c[0], c[1], c[2]] as const);
  }

  /** The picture the labels belong to (RGBA, e.g. from getImageData). */
  setImage(image: ImageData): void {
    this.#image = image;
    this.canvas.width = image.width;
    this.canvas.height = image.height;
    const zoom = Math.max(1, Math.round(this.#minDisplayWidth / image.width));
    this.canvas.style.width = `${image.width * zoom}px`;
    if (this.#labels && this.#labels.length !== image.width * image.height) this.#labels = null;
    this.#render();
  }

  /** The label map: one class index per pixel, row-major, at the picture's size. */
  setLabels(labels: Uint8Array | Uint16Array, width: number, height: number): void {
    if (labels.length !== width * height) throw new Error(`LabelOverlay: ${labels.length} labels for ${height}x${width} (HxW) pixels`);
    if (this.#image && (this.#image.width !== width || this.#image.height !== height)) {
      throw new Error(`LabelOverlay: labels are ${height}x${width} (HxW), the picture ${this.#image.height}x${this.#image.width}`);
    }
    this.#labels = labels;
    this.#render();
  }

  /** Removes the label map (the picture alone). */
  clearLabels(): void {
    this.#labels = null;
    this.#render();
  }

  get opacity(): number {
    return this.#opacity;
  }

  /** Opacity of the colours, 0 (the picture exactly) .. 1 (the colours only). */
  set opacity(value: number) {
    this.#opacity = clamp01(value);
    this.#showOpacity();
    this.#paint();
    this.dispatchEvent(new CustomEvent<number>('opacitychange', { detail: this.#opacity }));
  }

  isClassVisible(index: number): boolean {
    return !this.#hidden.has(index);
  }

  /** Shows or hides one class's colour (its pixels show the picture). */
  setClassVisible(index: number, visible: boolean): void {
    if (visible) this.#hidden.delete(index);
    else this.#hidden.add(index);
    this.#render();
  }

  /** Pixels per class index in the current label map. */
  counts(): number[] {
    const counts = new Array<number>(Math.max(this.#names.length, 1)).fill(0);
    for (const l of this.#labels ?? []) counts[l] = (counts[l] ?? 0) + 1;
    return counts;
  }

  #showOpacity(): void {
    this.#slider.value = String(Math.round(this.#opacity * 100));
    this.#sliderValue.textContent = `${Math.round(this.#opacity * 100)}%`;
  }

  #render(): void {
    this.#paint();
    this.#renderLegend();
  }

  /** picture * (1 - a) + colour * a where the class is shown; the picture elsewhere. */
  #paint(): void {
    const image = this.#image;
    if (!image) return;
    const out = new ImageData(image.width, image.height);
    const src = image.data;
    const dst = out.data;
    dst.set(src);
    const labels = this.#labels;
    const a = this.#opacity;
    if (labels && a > 0) {
      // Per class: the blend of each possible source value with its colour, so a pixel is three lookups.
      const tables = this.#colors.map((c, k) => (this.#hidden.has(k) ? null : c.map((v) => Uint8ClampedArray.from({ length: 256 }, (_, s) => s * (1 - a) + v * a))));
      for (let i = 0, p = 0; i < labels.length; i++, p += 4) {
        const t = tables[labels[i]!];
        if (!t) continue;
        dst[p] = t[0]![src[p]!]!;
        dst[p + 1] = t[1]![src[p + 1]!]!;
        dst[p + 2] = t[2]![src[p + 2]!]!;
      }
    }
    this.#ctx.putImageData(out, 0, 0);
  }

  #renderLegend(): void {
    const doc = this.element.ownerDocument;
    const counts = this.counts();
    const total = this.#labels?.length ?? 0;
    const shown = this.#names.map((_, k) => k).filter((k) => this.#legendMode === 'all' || counts[k]! > 0);
    this.#legend.replaceChildren(
      ...shown.map((k) => {
        const li = doc.createElement('li');
        li.dataset.class = String(k);
        li.title = this.#hidden.has(k) ? 'click to show' : 'click to hide';
        li.classList.toggle('pw-hidden', this.#hidden.has(k));
        const [r, g, b] = this.#colors[k]!;
        let swatch: HTMLElement;
        if (this.#editColors) {
          const input = doc.createElement('input');
          input.type = 'color';
          input.value = toHex(this.#colors[k]!);
          input.title = `colour of ${this.#names[k]} (click to change)`;
          input.setAttribute('aria-label', `colour of ${this.#names[k]}`);
          // The swatch edits the colour; the rest of the entry toggles the class.
          input.addEventListener('click', (e) => e.stopPropagation());
          input.addEventListener('input', () => {
            const color = fromHex(input.value);
            this.setClassColor(k, color);
            this.dispatchEvent(new CustomEvent<ClassColor>('colorchange', { detail: { index: k, color } }));
          });
          swatch = input;
        } else {
          swatch = doc.createElement('span');
          swatch.style.background = `rgb(${r}, ${g}, ${b})`;
        }
        swatch.className = 'pw-overlay-swatch';
        const name = doc.createElement('span');
        name.textContent = this.#names[k]!;
        const share = doc.createElement('span');
        share.className = 'pw-overlay-share';
        share.textContent = total ? `${((100 * counts[k]!) / total).toFixed(1)}%` : '';
        li.append(swatch, name, share);
        li.addEventListener('click', () => {
          const visible = this.#hidden.has(k);
          this.setClassVisible(k, visible);
          this.dispatchEvent(new CustomEvent<ClassToggle>('classtoggle', { detail: { index: k, visible } }));
        });
        return li;
      }),
    );
  }
}

function toHex(c: Rgb): string {
  return `#${c.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
}

function fromHex(text: string): Rgb {
  const n = parseInt(text.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function clamp01(v: number): number {
  return Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0.5;
}
