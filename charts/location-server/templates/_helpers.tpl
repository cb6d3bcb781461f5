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
- name: Kestrel__Endpoints__Grpc__Url
  value: "http://0.0.0.0:{{ .Values.service.grpcPort }}"
- name: Storage__DataDirectory
  value: /tmp/location-server
- name: Routing__RelayCenter__Uri
  value: {{ required "routing.relayCenter.uri is required (the relay centre's SIP URI)" .Values.routing.relayCenter.uri | quote }}
- name: Routing__RelayCenter__Name
  value: {{ .Values.routing.relayCenter.name | quote }}
- name: Routing__TestService__Uri
  value: {{ required "routing.testService.uri is required (the 933 test service's SIP URI)" .Values.routing.testService.uri | quote }}
- name: Routing__TestService__Name
  value: {{ .Values.routing.testService.name | quote }}
- name: Routing__CallbackWindowMinutes
  value: {{ .Values.routing.callbackWindowMinutes | quote }}
- name: Routing__PsapBoundaryFile
  value: "/etc/location-server/psap/{{ .Values.routing.psapBoundaries.key }}"
- name: Routing__PsapBoundaryReloadSeconds
  value: {{ .Values.routing.psapBoundaries.reloadSeconds | quote }}
- name: Demo__Seed
  value: "false"
- name: Connections__MaxConnections
  value: {{ .Values.connections.maxConnections | quote }}
- name: Connections__MaxUpgradedConnections
  value: {{ .Values.connections.maxUpgradedConnections | quote }}
- name: Connections__MaxPerSource
  value: {{ .Values.connections.maxPerSource | quote }}
- name: Connections__KeepAliveTimeoutSeconds
  value: {{ .Values.connections.keepAliveTimeoutSeconds | quote }}
- name: Connections__RequestHeadersTimeoutSeconds
  value: {{ .Values.connections.requestHeadersTimeoutSeconds | quote }}
{{- range $i, $cidr := .Values.network.trustedProxies }}
- name: Network__TrustedProxies__{{ $i }}
  value: {{ $cidr | quote }}
{{- end }}
- name: Network__ForwardedHeader
  value: {{ .Values.network.forwardedHeader | quote }}
{{- if .Values.network.proxyProtocol.enabled }}
{{- if not .Values.network.trustedProxies }}
{{- fail "network.proxyProtocol.enabled needs network.trustedProxies: the load balancers' addresses" }}
{{- end }}
- name: Kestrel__Endpoints__Balanced__Url
  value: "http://0.0.0.0:{{ .Values.network.proxyProtocol.port }}"
- name: Network__ProxyProtocolEndpoints__0
  value: Balanced
{{- end }}
- name: ConnectionStrings__Postgres
  valueFrom: { secretKeyRef: { name: {{ .Values.existingSecret }}, key: postgres } }
- name: ConnectionStrings__Redis
  valueFrom: { secretKeyRef: { name: {{ .Values.existingSecret }}, key: redis } }
- name: Tokens__Key
  valueFrom: { secretKeyRef: { name: {{ .Values.existingSecret }}, key: tokenKey } }
- name: Admin__ApiKey
  valueFrom: { secretKeyRef: { name: {{ .Values.existingSecret }}, key: adminKey } }
- name: Held__PublicBaseUrl
  value: {{ required "config.publicBaseUrl is required: the base URL phones and call servers reach, e.g. https://lis.example.com" .Values.config.publicBaseUrl | quote }}
{{- with .Values.config.defaultTenant }}
- name: Held__DefaultTenant
  value: {{ . | quote }}
{{- end }}
{{- with .Values.config.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
- name: OTEL_EXPORTER_OTLP_PROTOCOL
  value: {{ $.Values.config.otlpProtocol | default "grpc" | quote }}
{{- end }}
{{- end -}}
