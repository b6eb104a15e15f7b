import { describeAnalyzerConformance } from '../ports/analyzer.conformance.js';
import { createAnalyzer } from './index.js';

describeAnalyzerConformance('sequential', () => createAnalyzer({ mode: 'sequential' }));
describeAnalyzerConformance('sequential with hard limits', () =>
  createAnalyzer({ mode: 'sequential', thresholds: { maxErrorRate: 0.05, maxP99LatencyMs: 250 } }),
);
describeAnalyzerConformance('threshold', () =>
  createAnalyzer({ mode: 'threshold', thresholds: { maxErrorRate: 0.05, maxP99LatencyMs: 500 } }),
);
describeAnalyzerConformance('compare', () => createAnalyzer({ mode: 'compare' }));
