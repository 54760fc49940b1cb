{{/*
The chart name, or nameOverride.
*/}}
{{- define "echo-server.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The object name prefix: <release>-<chart>, or the release name alone when it already contains the chart name,
or fullnameOverride. Truncated to 63 characters (DNS names).
*/}}
{{- define "echo-server.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "echo-server.name" . -}}
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
{{- define "echo-server.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Selector labels of the server pods. app.kubernetes.io/name carries the full name (with the release), as the
container orchestration guidelines ask, so two releases in one namespace never select each other's pods.
*/}}
{{- define "echo-server.selectorLabels" -}}
app.kubernetes.io/name: {{ include "echo-server.fullname" . }}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
app.kubernetes.io/component: server
{{- end -}}

{{/*
Labels of every object. Call with (dict "context" . "component" "<component>").
*/}}
{{- define "echo-server.labels" -}}
{{- $ := .context -}}
app.kubernetes.io/name: {{ include "echo-server.fullname" $ }}
app.kubernetes.io/instance: {{ $.Release.Name | quote }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/version: {{ $.Values.image.tag | default $.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: {{ $.Values.partOf }}
app.kubernetes.io/managed-by: {{ $.Release.Service }}
helm.sh/chart: {{ include "echo-server.chart" $ }}
{{- end -}}

{{/*
The ServiceAccount the pods run as.
*/}}
{{- define "echo-server.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "echo-server.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
<registry>/<image>:<tag>, tag defaulting to the chart's appVersion.
*/}}
{{- define "echo-server.image" -}}
{{- printf "%s/%s:%s" .Values.image.registry .Values.image.image (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{/*
The in-cluster base URL of the Service, for the helm tests.
*/}}
{{- define "echo-server.url" -}}
{{- printf "http://%s.%s.svc:%v" (include "echo-server.fullname" .) .Release.Namespace .Values.service.port -}}
{{- end -}}
