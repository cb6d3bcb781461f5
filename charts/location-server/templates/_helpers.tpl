{{- define "location-server.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "location-server.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{- define "location-server.selector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "location-server.env" -}}
- name: ASPNETCORE_ENVIRONMENT
  value: Production
- name: Kestrel__Endpoints__Http__Url
  value: "http://0.0.0.0:{{ .Values.service.httpPort }}"
- name: Routing__GrpcAddress
  value: "0.0.0.0"
- name: Routing__GrpcPort
  value: "{{ .Values.service.grpcPort }}"
- name: Storage__DataDirectory
  value: /tmp/location-server
- name: ConnectionStrings__Postgres
  valueFrom: { secretKeyRef: { name: {{ .Values.existingSecret }}, key: postgres } }
- name: ConnectionStrings__Redis
  valueFrom: { secretKeyRef: { name: {{ .Values.existingSecret }}, key: redis } }
- name: Tokens__Key
  valueFrom: { secretKeyRef: { name: {{ .Values.existingSecret }}, key: tokenKey } }
- name: Admin__ApiKey
  valueFrom: { secretKeyRef: { name: {{ .Values.existingSecret }}, key: adminKey } }
{{- with .Values.config.publicBaseUrl }}
- name: Held__PublicBaseUrl
  value: {{ . | quote }}
{{- end }}
{{- with .Values.config.defaultTenant }}
- name: Held__DefaultTenant
  value: {{ . | quote }}
{{- end }}
{{- with .Values.config.otlpEndpoint }}
- name: OpenTelemetry__Endpoint
  value: {{ . | quote }}
{{- end }}
{{- end -}}
