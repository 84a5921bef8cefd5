/**
 * Manifests several client tests share: a small web application and a CRD with a schema that validates,
 * defaults and prints columns. Kept as YAML text because the tests feed them to kubectl as a user would.
 */

/** Namespace `demo` with a ConfigMap, a 2-replica Deployment `web` (nginx) and its Service. */
export const DEMO_NAMESPACE_YAML = `
apiVersion: v1
kind: Namespace
metadata: {name: demo}
`;

export const DEMO_APP_YAML = `
apiVersion: v1
kind: ConfigMap
metadata: {name: web-config, namespace: demo}
data: {greeting: hello}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: demo, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: nginx, image: "nginx:1.27", ports: [{containerPort: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: demo}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
`;

/** `widgets.example.com`: kind Widget, short name `wd`, `spec.size` required (small|large), `spec.count` defaults to 1. */
export const WIDGET_CRD_YAML = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    additionalPrinterColumns:
    - {name: Size, type: string, jsonPath: .spec.size}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: {type: string, enum: [small, large]}
              count: {type: integer, minimum: 0, default: 1}
`;
