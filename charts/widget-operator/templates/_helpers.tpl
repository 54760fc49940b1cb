{{/*
The chart name, or nameOverride.
*/}}
{{- define "widget-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The object name prefix: <release>-<chart>, or the release name alone when it already contains the chart name,
or fullnameOverride. Truncated to 63 characters (DNS names).
*/}}
{{- define "widget-operator.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "widget-operator.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
helm.sh/chart: <chart>-<version>.
*/}}
{{- define "widget-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Selector labels of the controller pod.
*/}}
{{- define "widget-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "widget-operator.fullname" . }}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
app.kubernetes.io/component: controller
{{- end -}}

{{/*
Labels of every object. Call with (dict "context" . "component" "<component>").
*/}}
{{- define "widget-operator.labels" -}}
{{- $ := .context -}}
app.kubernetes.io/name: {{ include "widget-operator.fullname" $ }}
app.kubernetes.io/instance: {{ $.Release.Name | quote }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/version: {{ $.Values.image.tag | default $.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: {{ $.Values.partOf }}
app.kubernetes.io/managed-by: {{ $.Release.Service }}
helm.sh/chart: {{ include "widget-operator.chart" $ }}
{{- end -}}

{{/*
The image reference.
*/}}
{{- define "widget-operator.image" -}}
{{- printf "%s/%s:%s" .Values.image.registry .Values.image.image (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}
