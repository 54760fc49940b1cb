import { LabelSelector } from '../helm/label-selector.ts';

/** The label selectors of a release's objects (either marks one): helm's `app.kubernetes.io/instance=<release>` and the older `release=<release>`. */
export function releaseSelectors(release: string): string[] {
  return [`app.kubernetes.io/instance=${release}`, `release=${release}`];
}

/** Whether an object with these labels belongs to the release, by either of its selectors. */
export function isOfRelease(labels: Readonly<Record<string, string>> | undefined, release: string): boolean {
  return releaseSelectors(release).some((selector) => LabelSelector.parse(selector).matches(labels));
}
