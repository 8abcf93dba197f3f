// Package deploy holds no Go code: the tests here parse every YAML file of the deploy kit and
// check the fields that matter when it runs (image, probes, ports, non-root, replicas, PDB,
// HPA), the Dockerfile and the systemd unit, so that a typo fails CI instead of a rollout.
package deploy

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/oabot/oabot/config"
)

// doc is one decoded YAML document.
type doc = map[string]any

// yamlFiles returns every *.yaml / *.yml file under the deploy directory.
func yamlFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("found only %d YAML files under deploy/: %v", len(files), files)
	}
	return files
}

// decodeAll decodes every document of a YAML file (--- separated).
func decodeAll(t *testing.T, path string) []doc {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []doc
	for {
		var d doc
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if d != nil {
			docs = append(docs, d)
		}
	}
	return docs
}

func TestEveryYAMLFileParses(t *testing.T) {
	for _, f := range yamlFiles(t) {
		if docs := decodeAll(t, f); len(docs) == 0 {
			t.Errorf("%s: no YAML document", f)
		}
	}
}

// get walks a path of map keys and list indexes through decoded YAML.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str(v any, path ...any) string {
	s, _ := get(v, path...).(string)
	return s
}

func num(v any, path ...any) int {
	n, _ := get(v, path...).(int)
	return n
}

func list(v any, path ...any) []any {
	l, _ := get(v, path...).([]any)
	return l
}

// k8sObjects returns every Kubernetes object of deploy/k8s by kind.
func k8sObjects(t *testing.T) map[string][]doc {
	t.Helper()
	files, err := filepath.Glob("k8s/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	objs := map[string][]doc{}
	for _, f := range files {
		for _, d := range decodeAll(t, f) {
			kind := str(d, "kind")
			if kind == "" {
				t.Errorf("%s: document without kind", f)
			}
			objs[kind] = append(objs[kind], d)
		}
	}
	return objs
}

func one(t *testing.T, objs map[string][]doc, kind, name string) doc {
	t.Helper()
	for _, o := range objs[kind] {
		if str(o, "metadata", "name") == name {
			return o
		}
	}
	t.Fatalf("k8s: no %s named %q", kind, name)
	return nil
}

func TestKubernetesDeployment(t *testing.T) {
	objs := k8sObjects(t)
	dep := one(t, objs, "Deployment", "oabot")
	if n := num(dep, "spec", "replicas"); n < 2 {
		t.Errorf("Deployment replicas = %d, want >= 2", n)
	}
	pod := get(dep, "spec", "template", "spec")
	if get(pod, "securityContext", "runAsNonRoot") != true {
		t.Errorf("pod securityContext.runAsNonRoot is not true")
	}
	if uid := num(pod, "securityContext", "runAsUser"); uid == 0 {
		t.Errorf("pod runAsUser = 0 (root)")
	}
	c := get(pod, "containers", 0)
	if str(c, "image") == "" {
		t.Errorf("container image is empty")
	}
	if get(c, "securityContext", "allowPrivilegeEscalation") != false {
		t.Errorf("container allowPrivilegeEscalation is not false")
	}
	ports := map[string]int{}
	for _, p := range list(c, "ports") {
		ports[str(p, "name")] = num(p, "containerPort")
	}
	if ports["http"] != 8080 || ports["metrics"] != 9100 {
		t.Errorf("container ports = %v, want http: 8080 and metrics: 9100", ports)
	}
	if got := str(get(dep, "spec", "template", "metadata", "annotations"), "prometheus.io/port"); got != "9100" {
		t.Errorf("prometheus.io/port = %q, want the metrics port 9100", got)
	}
	probes := []struct{ probe, path string }{
		{"readinessProbe", "/readyz"},
		{"livenessProbe", "/healthz"},
		{"startupProbe", "/healthz"},
	}
	for _, p := range probes {
		if got := str(c, p.probe, "httpGet", "path"); got != p.path {
			t.Errorf("%s path = %q, want %q", p.probe, got, p.path)
		}
		if port := get(c, p.probe, "httpGet", "port"); !portMatches(port, ports) {
			t.Errorf("%s port %v is not a container port %v", p.probe, port, ports)
		}
	}
	if get(c, "resources", "requests", "cpu") == nil || get(c, "resources", "limits", "memory") == nil {
		t.Errorf("container needs cpu requests (for the HPA) and a memory limit")
	}
	if grace := num(pod, "terminationGracePeriodSeconds"); grace < 30 {
		t.Errorf("terminationGracePeriodSeconds = %d, want >= 30 for a graceful drain", grace)
	}
	if !slices.ContainsFunc(list(c, "envFrom"), func(e any) bool { return str(e, "secretRef", "name") == "oabot-secrets" }) {
		t.Errorf("container does not take its env from Secret oabot-secrets")
	}
	if !slices.ContainsFunc(list(pod, "volumes"), func(v any) bool { return str(v, "configMap", "name") == "oabot-config" }) {
		t.Errorf("pod does not mount ConfigMap oabot-config")
	}

	// Every pod (oabot and Redis) runs as non-root: the namespace enforces "restricted".
	for _, kind := range []string{"Deployment", "StatefulSet"} {
		for _, o := range objs[kind] {
			if get(o, "spec", "template", "spec", "securityContext", "runAsNonRoot") != true {
				t.Errorf("%s %s: runAsNonRoot is not true", kind, str(o, "metadata", "name"))
			}
		}
	}
}

func portMatches(port any, ports map[string]int) bool {
	switch p := port.(type) {
	case string:
		_, ok := ports[p]
		return ok
	case int:
		for _, n := range ports {
			if n == p {
				return true
			}
		}
	}
	return false
}

func TestKubernetesServiceIngressPDBHPA(t *testing.T) {
	objs := k8sObjects(t)
	dep := one(t, objs, "Deployment", "oabot")
	podLabels, _ := get(dep, "spec", "template", "metadata", "labels").(map[string]any)
	selects := func(sel any) bool {
		m, ok := sel.(map[string]any)
		if !ok || len(m) == 0 {
			return false
		}
		for k, v := range m {
			if podLabels[k] != v {
				return false
			}
		}
		return true
	}

	svc := one(t, objs, "Service", "oabot")
	if !selects(get(svc, "spec", "selector")) {
		t.Errorf("Service selector %v does not select the Deployment's pods %v", get(svc, "spec", "selector"), podLabels)
	}
	if tp := str(svc, "spec", "ports", 0, "targetPort"); tp != "http" {
		t.Errorf("Service targetPort = %q, want the container port name http", tp)
	}

	ing := one(t, objs, "Ingress", "oabot")
	var paths []string
	for _, r := range list(ing, "spec", "rules") {
		for _, p := range list(r, "http", "paths") {
			paths = append(paths, str(p, "path"))
			if name := str(p, "backend", "service", "name"); name != "oabot" {
				t.Errorf("Ingress path %s goes to service %q, want oabot", str(p, "path"), name)
			}
			if port := str(p, "backend", "service", "port", "name"); port != "http" {
				t.Errorf("Ingress path %s port = %q, want http", str(p, "path"), port)
			}
		}
	}
	for _, want := range []string{"/webhook", "/oauth/zalo"} {
		if !slices.Contains(paths, want) {
			t.Errorf("Ingress paths %v miss %s", paths, want)
		}
	}
	for _, private := range []string{"/", "/metrics", "/readyz", "/healthz"} {
		if slices.Contains(paths, private) {
			t.Errorf("Ingress exposes %s publicly", private)
		}
	}
	if len(list(ing, "spec", "tls")) == 0 {
		t.Errorf("Ingress has no TLS: Zalo requires https (zalo-oa.md §1.1)")
	}

	pdb := one(t, objs, "PodDisruptionBudget", "oabot")
	if !selects(get(pdb, "spec", "selector", "matchLabels")) {
		t.Errorf("PodDisruptionBudget does not select the Deployment's pods")
	}
	if num(pdb, "spec", "minAvailable") < 1 && get(pdb, "spec", "maxUnavailable") == nil {
		t.Errorf("PodDisruptionBudget sets neither minAvailable >= 1 nor maxUnavailable")
	}

	hpa := one(t, objs, "HorizontalPodAutoscaler", "oabot")
	if str(hpa, "apiVersion") != "autoscaling/v2" {
		t.Errorf("HPA apiVersion = %q, want autoscaling/v2", str(hpa, "apiVersion"))
	}
	if k, n := str(hpa, "spec", "scaleTargetRef", "kind"), str(hpa, "spec", "scaleTargetRef", "name"); k != "Deployment" || n != "oabot" {
		t.Errorf("HPA targets %s/%s, want Deployment/oabot", k, n)
	}
	if lo, hi := num(hpa, "spec", "minReplicas"), num(hpa, "spec", "maxReplicas"); lo < 2 || hi < lo {
		t.Errorf("HPA replicas %d..%d, want min >= 2 and max >= min", lo, hi)
	}
}

func TestKubernetesConfigAndSecrets(t *testing.T) {
	objs := k8sObjects(t)
	cm := one(t, objs, "ConfigMap", "oabot-config")
	var cfg doc
	if err := yaml.Unmarshal([]byte(str(cm, "data", "config.yaml")), &cfg); err != nil {
		t.Fatalf("ConfigMap config.yaml: %v", err)
	}
	secret := one(t, objs, "Secret", "oabot-secrets")
	keys, _ := get(secret, "stringData").(map[string]any)
	for k, v := range keys {
		if v != "CHANGE_ME" {
			t.Errorf("secret.example.yaml: %s has a value other than the placeholder CHANGE_ME", k)
		}
	}
	// Every secret the config names must be provided by the Secret.
	for _, name := range envRefs(cfg) {
		if _, ok := keys[name]; !ok {
			t.Errorf("config.yaml names env %s but secret.example.yaml does not provide it", name)
		}
	}

	// kustomization.yaml lists files that exist and never the example Secret.
	kust := decodeAll(t, "k8s/kustomization.yaml")[0]
	for _, r := range list(kust, "resources") {
		f, _ := r.(string)
		if _, err := os.Stat(filepath.Join("k8s", f)); err != nil {
			t.Errorf("kustomization resource %s: %v", f, err)
		}
		if strings.Contains(f, "secret") {
			t.Errorf("kustomization applies %s: placeholder secrets must not be applied", f)
		}
	}
}

// envRefs returns the values of every *_env key of the accounts and officers in a config
// tree.
func envRefs(cfg doc) []string {
	var out []string
	for _, a := range append(list(cfg, "accounts"), list(cfg, "officers")...) {
		m, _ := a.(map[string]any)
		for k, v := range m {
			if s, ok := v.(string); ok && strings.HasSuffix(k, "_env") {
				out = append(out, s)
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestKustomizeBuilds(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl not on PATH")
	}
	out, err := exec.Command(kubectl, "kustomize", "k8s").CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl kustomize deploy/k8s: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("image: registry.example.vn/oabot/oabot:1.0.0")) {
		t.Errorf("kustomize output does not rewrite the oabot image")
	}
}

func TestCompose(t *testing.T) {
	c := decodeAll(t, "compose.yaml")[0]
	services, _ := get(c, "services").(map[string]any)
	var replicas []string
	for name, s := range services {
		if !strings.HasPrefix(name, "oabot") {
			continue
		}
		replicas = append(replicas, name)
		if str(s, "image") == "" || str(s, "build", "dockerfile") != "deploy/Dockerfile" {
			t.Errorf("%s: image %q, build %v", name, str(s, "image"), get(s, "build"))
		}
		if !slices.ContainsFunc(list(s, "volumes"), func(v any) bool {
			vs, _ := v.(string)
			return strings.HasSuffix(vs, ":/etc/oabot/config.yaml:ro")
		}) {
			t.Errorf("%s: config.yaml is not mounted read-only at /etc/oabot/config.yaml", name)
		}
		if len(list(s, "env_file")) == 0 {
			t.Errorf("%s: secrets must come from env_file", name)
		}
		if len(list(s, "ports")) != 1 || !strings.HasSuffix(str(s, "ports", 0), ":8080") {
			t.Errorf("%s: ports %v, want one mapping to container port 8080", name, list(s, "ports"))
		}
	}
	if len(replicas) != 2 {
		t.Errorf("compose oabot services = %v, want 2", replicas)
	}
	cmd := strings.Join(toStrings(list(services["redis"], "command")), " ")
	if !strings.Contains(cmd, "--appendonly yes") {
		t.Errorf("compose redis command %q does not turn on AOF", cmd)
	}
	prom := services["prometheus"]
	if prom == nil || !slices.Contains(toStrings(list(prom, "profiles")), "metrics") {
		t.Errorf("compose prometheus must exist behind the optional profile \"metrics\"")
	}

	// prometheus.yml scrapes exactly the compose replicas on their metrics port.
	p := decodeAll(t, "prometheus.yml")[0]
	targets := toStrings(list(p, "scrape_configs", 0, "static_configs", 0, "targets"))
	var want []string
	for _, r := range replicas {
		want = append(want, r+":9100")
	}
	slices.Sort(targets)
	slices.Sort(want)
	if !slices.Equal(targets, want) {
		t.Errorf("prometheus targets = %v, want %v", targets, want)
	}
	if str(p, "scrape_configs", 0, "metrics_path") != "/metrics" {
		t.Errorf("prometheus metrics_path is not /metrics")
	}
}

func toStrings(l []any) []string {
	out := make([]string, 0, len(l))
	for _, v := range l {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	froms := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(text, -1)
	if len(froms) < 2 {
		t.Fatalf("Dockerfile has %d FROM lines, want a multi-stage build", len(froms))
	}
	if !strings.HasPrefix(froms[0][1], "golang:1.26") {
		t.Errorf("build stage FROM %s, want golang:1.26", froms[0][1])
	}
	if final := froms[len(froms)-1][1]; strings.HasPrefix(final, "golang") {
		t.Errorf("final stage FROM %s ships the Go toolchain", final)
	}
	users := regexp.MustCompile(`(?m)^USER\s+(\S+)`).FindAllStringSubmatch(text, -1)
	if len(users) == 0 {
		t.Fatalf("Dockerfile has no USER")
	}
	if u := strings.Split(users[len(users)-1][1], ":")[0]; u == "root" || u == "0" {
		t.Errorf("Dockerfile final USER %s is root", u)
	}
	for _, want := range []string{"CGO_ENABLED=0", "ca-certificates", "tzdata", "fonts-dejavu-core", "EXPOSE 8080", "/healthz", "COPY --from=build"} {
		if !strings.Contains(text, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}

func TestSystemdUnit(t *testing.T) {
	data, err := os.ReadFile("systemd/oabot.service")
	if err != nil {
		t.Fatal(err)
	}
	kv := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			kv[k] = v
		}
	}
	if u := kv["User"]; u == "" || u == "root" {
		t.Errorf("systemd User = %q, want a non-root user", u)
	}
	if !strings.Contains(kv["ExecStart"], "oabot serve --config /etc/oabot/config.yaml") {
		t.Errorf("systemd ExecStart = %q", kv["ExecStart"])
	}
	if kv["EnvironmentFile"] != "/etc/oabot/oabot.env" {
		t.Errorf("systemd EnvironmentFile = %q", kv["EnvironmentFile"])
	}
	if kv["NoNewPrivileges"] != "yes" || kv["Restart"] == "" {
		t.Errorf("systemd unit lacks NoNewPrivileges=yes or Restart=")
	}
	if _, err := os.Stat("systemd/oabot.env.example"); err != nil {
		t.Errorf("systemd env example: %v", err)
	}
}

// envExample reads an env example file (KEY=VALUE lines) into a getenv function.
func envExample(t *testing.T, path string) func(string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok && !strings.HasPrefix(line, "#") {
			env[k] = v
		}
	}
	return func(k string) string { return env[k] }
}

// TestConfigFilesLoad runs the shipped configs through config.Load (unknown keys, missing
// secrets and bad values fail) with the env examples that ship beside them.
func TestConfigFilesLoad(t *testing.T) {
	cm := one(t, k8sObjects(t), "ConfigMap", "oabot-config")
	k8sConfig := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(k8sConfig, []byte(str(cm, "data", "config.yaml")), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, config, env string }{
		{"compose", "config.yaml", "oabot.env.example"},
		{"systemd", "config.yaml", "systemd/oabot.env.example"},
		{"kubernetes", k8sConfig, "oabot.env.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.Load(envExample(t, tt.env), tt.config)
			if err != nil {
				t.Fatalf("config.Load(%s) with %s: %v", tt.config, tt.env, err)
			}
			if cfg.Demo || cfg.Redis.URL == "" || len(cfg.Accounts) == 0 || len(cfg.Officers) == 0 {
				t.Errorf("%s: demo %v, redis %q, %d accounts, %d officers", tt.config, cfg.Demo, cfg.Redis.URL, len(cfg.Accounts), len(cfg.Officers))
			}
			if !strings.HasSuffix(cfg.HTTP.Addr, ":8080") {
				t.Errorf("%s: http.addr %q, the images and manifests expect :8080", tt.config, cfg.HTTP.Addr)
			}
			// /metrics shows account ids and token expiry: never on the public port.
			if !cfg.Metrics.Enabled || cfg.Metrics.Addr != ":9100" {
				t.Errorf("%s: metrics %+v, want enabled on its own addr :9100", tt.config, cfg.Metrics)
			}
		})
	}
}
