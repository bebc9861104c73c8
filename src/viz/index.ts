// pixelwise/viz: pictures of what a segmentation network sees and does, from plain arrays.
// Every picture is drawn once as SVG (SvgSurface, one bundled font) and rasterised by resvg;
// pixel work that is not drawing (colouring label maps, overlays) stays on pixel buffers.
// Callers turn tensors into typed arrays first.
//
// Example (the seeds' discrete_matshow and loss curves):
//   const pred = { width: 10, height: 7, data: argmaxLabels };          // Uint8Array / Int32Array
//   const map = discreteMatshow(pred, { names, title: 'Segmentation' }); // RawImage, RGB
//   const fig = lossCurves({ train: trainLoss, val: valLoss, miou: valMIoU });
//   fig.toSvg();    // the figure as an SVG document
//   fig.toImage();  // that document rasterised: a RawImage for the PNG encoder

export type { Rgb, Rgba, ColorLike } from './color.js';
export { parseColor, toHex, hslToRgb, luminance } from './color.js';
export type { LabelMap, ScalarMap } from './maps.js';
export { presentLabels, finiteRange } from './maps.js';

export type { Palette, PaletteKind } from './palette.js';
export {
  vocPalette, qualitativePalette, pairedPalette, camvidPalette, paletteFor, colorOf,
  CAMVID_CLASSES, IGNORE_BLACK, IGNORE_WHITE,
} from './palette.js';
export type { ColormapName, ColormapOptions } from './colormap.js';
export { applyColormap, sampleColormap, colormapLut, colormapRange, COLORMAPS } from './colormap.js';

export { FONT_FAMILY, FONT_FILES, fontSize, measureText } from './font.js';
export type { TextStyle } from './font.js';
export type { Rect, MarkerKind, TextOptions, LineOptions } from './svg.js';
export { MARKERS, SvgSurface, escapeXml } from './svg.js';
export { rasterize } from './raster.js';

export { toRgb, resizeNearest, resizeLabels, displaySize } from './image-ops.js';
export type { ColorizeOptions, OverlayOptions, MaskOverlayOptions, HeatmapOverlayOptions } from './overlay.js';
export { colorizeLabels, overlay, overlayMask, overlayHeatmap, labelBoundaries } from './overlay.js';
export type { PanelOptions, GridOptions } from './panels.js';
export { grid, hconcat, vconcat } from './panels.js';

export type { LegendEntry, LegendStyle } from './legend-box.js';
export { drawLegend, measureLegend } from './legend-box.js';
export type { ClassNames, MatshowOptions, SegmentationPanelOptions } from './legend.js';
export { discreteMatshow, segmentationPanel, relabel } from './legend.js';

export type {
  AxesSpec, FigureOptions, LineSeries, ScatterSeries, RefLine, Annotation, LegendPlace, PanelLayout, AxisLayout,
} from './figure.js';
export { Figure } from './figure.js';
export type { AxesOptions, Curve, TrainingCurves, LossCurveOptions, LatentScatterOptions, ThresholdPlotOptions } from './plot.js';
export { linePlot, scatterPlot, lossCurves, latentScatter, thresholdPlot } from './plot.js';
export { niceStep, linearTicks, logTicks, formatTicks, formatValue } from './ticks.js';

export type { TileOptions, FilterGridOptions, ActivationGridOptions } from './grid.js';
export { tileMaps, filterGrid, activationGrid } from './grid.js';
export type { ColorbarSpec } from './colorbar.js';
export { drawColorbar, colorbarWidth } from './colorbar.js';
export type { ThresholdViewOptions } from './threshold.js';
export { thresholdView, maskIoU } from './threshold.js';
