{{/* vim: set filetype=mustache: */}}
{{/*
Name of the chart, overridable with nameOverride.
*/}}
{{- define "tango-base.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Chart name and version, as used by the helm.sh/chart label.
*/}}
{{- define "tango-base.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Name of a component's objects: <component>-<chart name>-<release>, e.g. databaseds-tango-base-test.
52 characters at most, so that StatefulSet pod names and controller-revision labels stay within 63.
Call with (dict "root" $ "component" "databaseds").
*/}}
{{- define "tango-base.componentName" -}}
{{- printf "%s-%s-%s" .component (include "tango-base.name" .root) .root.Release.Name | trunc 52 | trimSuffix "-" -}}
{{- end -}}

{{/*
Labels of every object of a component. Call with (dict "root" $ "component" "databaseds").
*/}}
{{- define "tango-base.labels" -}}
app.kubernetes.io/name: {{ include "tango-base.componentName" . }}
app.kubernetes.io/instance: {{ .root.Release.Name | quote }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/part-of: tango
app.kubernetes.io/managed-by: {{ .root.Release.Service | quote }}
helm.sh/chart: {{ include "tango-base.chart" .root | quote }}
{{- end -}}

{{/*
Selector labels of a component (a subset of its labels that never changes between chart versions).
*/}}
{{- define "tango-base.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tango-base.componentName" . }}
app.kubernetes.io/instance: {{ .root.Release.Name | quote }}
{{- end -}}

{{/*
Image reference from a component's image values: registry/image:tag. Refuses `latest` and empty tags.
*/}}
{{- define "tango-base.image" -}}
{{- if or (not .tag) (eq (toString .tag) "latest") -}}
{{- fail (printf "image %s/%s needs an explicit version tag, not %q" .registry .image (toString .tag)) -}}
{{- end -}}
{{- printf "%s/%s:%s" .registry .image (toString .tag) -}}
{{- end -}}

{{/*
TANGO_HOST of this release: the DataBaseds Service and port.
*/}}
{{- define "tango-base.tangoHost" -}}
{{- printf "%s:%d" (include "tango-base.componentName" (dict "root" . "component" "databaseds")) (int .Values.databaseds.port) -}}
{{- end -}}

{{/*
Name of the Secret holding the database credentials.
*/}}
{{- define "tango-base.dbSecretName" -}}
{{- include "tango-base.componentName" (dict "root" . "component" "tangodb-credentials") -}}
{{- end -}}

{{/*
Container securityContext: non-root, no privilege escalation, no capabilities, read-only root filesystem.
Call with the uid.
*/}}
{{- define "tango-base.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ . }}
runAsGroup: {{ . }}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}

{{/*
Pod scheduling knobs shared by every component (nodeSelector, affinity, tolerations).
*/}}
{{- define "tango-base.scheduling" -}}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
Pod-level securityContext: the image's uid/gid, the runtime's default seccomp profile. Call with the uid.
*/}}
{{- define "tango-base.podSecurityContext" -}}
fsGroup: {{ . }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}
