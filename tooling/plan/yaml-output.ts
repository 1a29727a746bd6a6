import type { ToStringOptions } from 'yaml';

/** Writing tenant.yaml back: these options reproduce the repository's file byte for byte when nothing changed. */
export const YAML_OUTPUT: ToStringOptions = { lineWidth: 0, flowCollectionPadding: false };
