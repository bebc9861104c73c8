// Synced zoom and pan over several canvases showing one picture (the inspector's image | ground
// truth | prediction): the wheel zooms at the cursor, a drag pans, and every pane takes the same
// transform. Each canvas sits in a viewport of its base display size and is moved by a CSS
// transform (translate, then scale, origin top-left), so the pixels stay sharp and what is under
// the cursor maps back through getBoundingClientRect as before. True size shows one picture
// pixel per device pixel.

export interface View {
  /** Screen size of the canvas over its base display size. */
  scale: number;
  /** Offset of the canvas's top-left corner in its viewport, CSS pixels. */
  x: number;
  y: number;
}

const MAX_SCALE = 64;

export class PanZoom extends EventTarget {
  readonly #canvases: HTMLCanvasElement[] = [];
  readonly #viewports: HTMLDivElement[] = [];
  #view: View = { scale: 1, x: 0, y: 0 };
  /** Base display width and height (CSS px) and the picture's width in pixels. */
  #base = { width: 0, height: 0, pixels: 0 };

  /** Puts each canvas in a viewport that clips it and listens there for the wheel and drags. */
  constructor(canvases: readonly HTMLCanvasElement[]) {
    super();
    for (const canvas of canvases) {
      const viewport = canvas.ownerDocument.createElement('div');
      viewport.className = 'pz-viewport';
      viewport.style.cssText = 'overflow: hidden; position: relative; touch-action: none; cursor: grab; border: 1px solid #bbb; background: #eee;';
      canvas.replaceWith(viewport);
      viewport.append(canvas);
      canvas.style.transformOrigin = '0 0';
      canvas.style.display = 'block';
      canvas.style.border = '0';
      canvas.style.maxWidth = 'none';
      canvas.style.imageRendering = 'pixelated'; // zoomed pixels stay square
      this.#canvases.push(canvas);
      this.#viewports.push(viewport);
      viewport.addEventListener('wheel', (e) => this.#wheel(e, viewport), { passive: false });
      viewport.addEventListener('pointerdown', (e) => this.#drag(e, viewport));
    }
  }

  get view(): View {
    return { ...this.#view };
  }

  /** The picture is `pixels` wide, shown at `width` x `height` CSS px when not zoomed; keeps the view if the size is unchanged. */
  setBase(width: number, height: number, pixels: number): void {
    const same = this.#base.width === width && this.#base.height === height && this.#base.pixels === pixels;
    this.#base = { width, height, pixels };
    for (const v of this.#viewports) {
      v.style.width = `${width}px`;
      v.style.height = `${height}px`;
    }
    for (const c of this.#canvases) {
      c.style.width = `${width}px`;
      c.style.height = `${height}px`;
    }
    this.setView(same ? this.#view : { scale: 1, x: 0, y: 0 });
  }

  /** The scale at which one picture pixel is one device pixel. */
  trueSizeScale(): number {
    return this.#base.width ? this.#base.pixels / (globalThis.devicePixelRatio || 1) / this.#base.width : 1;
  }

  /** One picture pixel per device pixel, from the top-left corner. */
  trueSize(): void {
    this.setView({ scale: this.trueSizeScale(), x: 0, y: 0 });
  }

  reset(): void {
    this.setView({ scale: 1, x: 0, y: 0 });
  }

  /** Zooms by `factor` keeping the viewport point (px, py) fixed. */
  zoomAt(factor: number, px: number, py: number): void {
    const v = this.#view;
    const scale = Math.min(MAX_SCALE, Math.max(Math.min(1, this.trueSizeScale()), v.scale * factor));
    const k = scale / v.scale;
    this.setView({ scale, x: px - (px - v.x) * k, y: py - (py - v.y) * k });
  }

  /** Applies a view to every pane ('viewchange' tells listeners). */
  setView(view: View): void {
    // Keep some of the picture in sight: its box may not leave the viewport entirely.
    const w = this.#base.width * view.scale, h = this.#base.height * view.scale;
    const x = Math.min(this.#base.width - 8, Math.max(8 - w, view.x));
    const y = Math.min(this.#base.height - 8, Math.max(8 - h, view.y));
    this.#view = { scale: view.scale, x, y };
    const t = `translate(${x}px, ${y}px) scale(${view.scale})`;
    for (const c of this.#canvases) c.style.transform = t;
    this.dispatchEvent(new CustomEvent<View>('viewchange', { detail: this.view }));
  }

  #wheel(e: WheelEvent, viewport: HTMLDivElement): void {
    e.preventDefault();
    const box = viewport.getBoundingClientRect();
    // A notch (deltaY 100) zooms by 1.25; trackpads send smaller deltas.
    this.zoomAt(Math.pow(1.25, -e.deltaY / 100), e.clientX - box.left - viewport.clientLeft, e.clientY - box.top - viewport.clientTop);
  }

  #drag(e: PointerEvent, viewport: HTMLDivElement): void {
    if (e.button !== 0) return;
    const start = { x: e.clientX, y: e.clientY, view: this.view };
    viewport.setPointerCapture(e.pointerId);
    viewport.style.cursor = 'grabbing';
    const move = (m: PointerEvent): void => this.setView({ ...start.view, x: start.view.x + m.clientX - start.x, y: start.view.y + m.clientY - start.y });
    const up = (): void => {
      viewport.removeEventListener('pointermove', move);
      viewport.removeEventListener('pointerup', up);
      viewport.removeEventListener('pointercancel', up);
      viewport.style.cursor = 'grab';
    };
    viewport.addEventListener('pointermove', move);
    viewport.addEventListener('pointerup', up);
    viewport.addEventListener('pointercancel', up);
  }
}
