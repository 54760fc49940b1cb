{{/*
The chart name, or nameOverride.
*/}}
{{- define "logging.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The object name prefix: <release>-<chart>, or the release name alone when it already contains the chart name,
or fullnameOverride. Truncated to 50 characters so that suffixes keep names within 63.
*/}}
{{- define "logging.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "logging.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
<fullname>-<component>. Call with (dict "root" . "component" "<component>").
*/}}
{{- define "logging.componentName" -}}
{{- printf "%s-%s" (include "logging.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
helm.sh/chart: <chart>-<version>.
*/}}
{{- define "logging.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Selector labels of a component's pods. Call with (dict "root" . "component" "<component>").
*/}}
{{- define "logging.selectorLabels" -}}
app.kubernetes.io/name: {{ include "logging.componentName" . }}
app.kubernetes.io/instance: {{ .root.Release.Name | quote }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/*
Labels of every object. Call with (dict "root" . "component" "<component>").
*/}}
{{- define "logging.labels" -}}
{{ include "logging.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: {{ .root.Values.partOf }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ include "logging.chart" .root }}
{{- end -}}

{{/*
<registry>/<image>:<tag> of an image value.
*/}}
{{- define "logging.image" -}}
{{- printf "%s/%s:%s" .registry .image .tag -}}
{{- end -}}

{{/*
The in-cluster URL of Elasticsearch.
*/}}
{{- define "logging.elasticsearchUrl" -}}
{{- printf "http://%s:%v" (include "logging.componentName" (dict "root" . "component" "elasticsearch")) .Values.elasticsearch.port -}}
{{- end -}}

{{/*
nodeSelector and tolerations of every pod.
*/}}
{{- define "logging.scheduling" -}}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
