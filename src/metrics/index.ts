// Evaluation scores: one confusion matrix per split (FCN score.py convention), binary extras.
export * from './confusion.js';
export * from './scores.js';
export * from './binary.js';
export * from './split-scores.js';
