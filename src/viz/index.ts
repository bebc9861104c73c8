// pixelwise/viz: pictures of what a segmentation network sees and does, from plain arrays
// (RawImage, LabelMap, ScalarMap of pixelwise/image). Every picture is drawn once as SVG (one
// bundled font) and rasterised by resvg; pixel work that is not drawing (colouring label maps,
// overlays) stays on pixel buffers. Callers turn tensors into typed arrays first.
//
//   const pred = { width: 10, height: 7, data: argmaxLabels };          // Uint8Array / Int32Array
//   const map = discreteMatshow(pred, { names, title: 'Segmentation' }); // RawImage, RGB
//   const fig = lossCurves({ train: trainLoss, val: valLoss, miou: valMIoU });
//   fig.toSvg();    // the figure as an SVG document
//   fig.toImage();  // that document rasterised: a RawImage for writePng
export type { ColormapName, ColormapOptions } from './colormap.js';
export { applyColormap, sampleColormap, colormapLut, colormapRange, COLORMAPS } from './colormap.js';
export { displaySize } from './display.js';
export type { ColorizeOptions, OverlayOptions, MaskOverlayOptions, HeatmapOverlayOptions } from './overlay.js';
export { colorizeLabels, overlay, overlayMask, overlayHeatmap, labelBoundaries } from './overlay.js';
export type { PanelOptions, GridOptions } from './panels.js';
export { grid, hconcat, vconcat } from './panels.js';
export type { ClassNames, MatshowOptions, SegmentationPanelOptions } from './legend.js';
export { discreteMatshow, matshowLegend, segmentationPanel, relabel } from './legend.js';
export type {
  AxesSpec, FigureOptions, LineSeries, ScatterSeries, RefLine, Annotation, LegendPlace, PanelLayout, AxisLayout,
} from './figure.js';
export { Figure } from './figure.js';
export type { AxesOptions, Curve, TrainingCurves, LossCurveOptions, LatentScatterOptions, ThresholdPlotOptions } from './plot.js';
export { linePlot, scatterPlot, lossCurves, latentScatter, thresholdPlot } from './plot.js';
export type { TileOptions, FilterGridOptions, ActivationGridOptions } from './grid.js';
export { tileMaps, filterGrid, activationGrid } from './grid.js';
export type { ThresholdViewOptions } from './threshold.js';
export { thresholdView } from './threshold.js';
