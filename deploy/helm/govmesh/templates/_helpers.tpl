{{/* The name every object of this release starts with. */}}
{{- define "govmesh.fullname" -}}
{{- printf "%s-govmesh" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "govmesh.labels" -}}
app.kubernetes.io/name: govmesh
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* A secret's key as an environment variable. */}}
{{- define "govmesh.secretEnv" -}}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ .ref.name | required (printf "%s: name a Secret" .env) }}
      key: {{ .ref.key | required (printf "%s: name the Secret's key" .env) }}
{{- end -}}

{{/* What every service that talks to Kafka and Temporal needs; `component` picks its SCRAM user. */}}
{{- define "govmesh.platformEnv" -}}
{{- $v := .root.Values -}}
- name: NODE_ENV
  value: production
- name: KAFKA_BROKERS
  value: {{ $v.kafka.brokers | required "kafka.brokers is required" | quote }}
- name: KAFKA_SASL_MECHANISM
  value: {{ $v.kafka.saslMechanism | quote }}
- name: KAFKA_SASL_USERNAME
  value: {{ printf "govmesh-%s" .component | quote }}
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $v.kafka.credentialsSecret | required "kafka.credentialsSecret is required" }}
      key: {{ .component }}
- name: KAFKA_SSL
  value: {{ $v.kafka.tls | quote }}
- name: TEMPORAL_ADDRESS
  value: {{ $v.temporal.address | required "temporal.address is required" | quote }}
- name: TEMPORAL_NAMESPACE
  value: {{ $v.temporal.namespace | quote }}
- name: GOVMESH_CASE_TASK_QUEUE
  value: {{ $v.temporal.taskQueue | quote }}
- name: GOVMESH_METRICS_HOST
  value: "0.0.0.0"
{{ include "govmesh.secretEnv" (dict "env" "GOVMESH_CASE_KEYS" "ref" $v.secrets.caseKeys) }}
{{- end -}}

{{/* The database URL, for the services that keep state (api, audit). */}}
{{- define "govmesh.databaseEnv" -}}
- name: GOVMESH_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.urlSecret | required "database.urlSecret is required: the API and audit keep their state in PostgreSQL" }}
      key: url
{{- end -}}

{{/*
A govmesh service's Deployment and PodDisruptionBudget. Arguments: root, name (api, worker, …),
main (its entry file), ports (name → number), env (rendered env entries), probe and probePort (an
HTTP check, optional), secretDir (optional: a Secret mounted read-only at /etc/govmesh/<name>).
*/}}
{{- define "govmesh.deployment" -}}
{{- $v := .root.Values -}}
{{- $fullname := include "govmesh.fullname" .root -}}
{{- $replicas := index $v.replicas .name | int -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ printf "%s-%s" $fullname .name }}
  labels:
    {{- include "govmesh.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .name }}
spec:
  replicas: {{ $replicas }}
  selector:
    matchLabels:
      app.kubernetes.io/instance: {{ .root.Release.Name }}
      app.kubernetes.io/component: {{ .name }}
  template:
    metadata:
      labels:
        {{- include "govmesh.labels" .root | nindent 8 }}
        app.kubernetes.io/component: {{ .name }}
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        seccompProfile: { type: RuntimeDefault }
      # A replica stopping drains its work (the audit its batch, the worker its tasks) first.
      terminationGracePeriodSeconds: 60
      containers:
        - name: {{ .name }}
          image: {{ printf "%s:%s" $v.image.repository $v.image.tag | quote }}
          imagePullPolicy: {{ $v.image.pullPolicy }}
          args: [{{ .main | quote }}]
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: { drop: [ALL] }
          env:
            - name: GOVMESH_DATA_DIR
              value: /var/lib/govmesh
            {{- .env | nindent 12 }}
          ports:
            {{- range $portName, $port := .ports }}
            - name: {{ $portName }}
              containerPort: {{ $port }}
            {{- end }}
          {{- if .probe }}
          readinessProbe:
            httpGet: { path: {{ .probe }}, port: {{ .probePort }} }
            periodSeconds: 5
          livenessProbe:
            httpGet: { path: {{ .probe }}, port: {{ .probePort }} }
            periodSeconds: 10
            failureThreshold: 6
          {{- end }}
          resources:
            {{- toYaml (index $v.resources .name) | nindent 12 }}
          volumeMounts:
            - { name: data, mountPath: /var/lib/govmesh }
            {{- if .secretDir }}
            - { name: secrets, mountPath: {{ printf "/etc/govmesh/%s" .name }}, readOnly: true }
            {{- end }}
      volumes:
        # Scratch only: every durable state is in PostgreSQL, Kafka or Temporal.
        - { name: data, emptyDir: {} }
        {{- if .secretDir }}
        - name: secrets
          secret: { secretName: {{ .secretDir }}, defaultMode: 0400 }
        {{- end }}
{{- if gt $replicas 1 }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ printf "%s-%s" $fullname .name }}
  labels:
    {{- include "govmesh.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .name }}
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/instance: {{ .root.Release.Name }}
      app.kubernetes.io/component: {{ .name }}
{{- end }}
{{- end -}}

{{/* A ClusterIP Service in front of a component's pods. */}}
{{- define "govmesh.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ printf "%s-%s" (include "govmesh.fullname" .root) .name }}
  labels:
    {{- include "govmesh.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .name }}
spec:
  selector:
    app.kubernetes.io/instance: {{ .root.Release.Name }}
    app.kubernetes.io/component: {{ .name }}
  ports:
    - name: http
      port: {{ .port }}
      targetPort: {{ .port }}
{{- end -}}
