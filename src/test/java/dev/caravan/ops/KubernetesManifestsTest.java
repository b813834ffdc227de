package dev.caravan.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** docker/k8s: the manifests parse, and agree with the image and the gateway on ports, paths and users. */
class KubernetesManifestsTest {

    private static final Path K8S = Path.of("docker/k8s");

    @Test
    @SuppressWarnings("unchecked")
    void theManifestsAgreeWithTheImageAndTheGateway() throws IOException {
        Map<String, Map<String, Object>> byKind = new HashMap<>();
        for (String file : List.of("deployment.yaml", "service.yaml", "secret.yaml", "hpa.yaml")) {
            try (Reader reader = Files.newBufferedReader(K8S.resolve(file))) {
                Map<String, Object> manifest = (Map<String, Object>) new Yaml().load(reader);
                byKind.put((String) manifest.get("kind"), manifest);
            }
        }
        assertThat(byKind).containsOnlyKeys("Deployment", "Service", "Secret", "HorizontalPodAutoscaler");

        Map<String, Object> pod = map(map(byKind.get("Deployment"), "spec", "template"), "spec");
        Map<String, Object> container = ((List<Map<String, Object>>) pod.get("containers")).get(0);
        String dockerfile = Files.readString(Path.of("docker/Dockerfile"));
        assertThat(((List<Map<String, Object>>) container.get("ports")).get(0)).containsEntry("containerPort", 8080)
                .containsEntry("name", "http");
        assertThat(dockerfile).contains("EXPOSE 8080");
        assertThat(map(container, "readinessProbe", "httpGet")).containsEntry("path", "/ready");
        assertThat(map(container, "livenessProbe", "httpGet")).containsEntry("path", "/health");
        assertThat(map(pod, "securityContext").get("runAsUser")).isEqualTo(10001);
        assertThat(dockerfile).contains("--uid 10001");
        assertThat(map(container, "securityContext")).containsEntry("readOnlyRootFilesystem", true);
        assertThat(((List<Map<String, Object>>) container.get("volumeMounts")).stream()
                .map(mount -> mount.get("mountPath"))).containsExactlyInAnyOrder("/app/config",
                "/app/routes", "/app/data", "/tmp");
        // no subPath: a ConfigMap mounted by subPath never sees the ConfigMap's edits, so hot reload would not
        assertThat(((List<Map<String, Object>>) container.get("volumeMounts"))).noneMatch(m -> m.containsKey("subPath"));
        // streams in flight get caravan.shutdown-timeout (30 s) before the pod is killed
        assertThat((Integer) pod.get("terminationGracePeriodSeconds")).isGreaterThan(30);
        assertThat(Files.readString(Path.of("application.yaml"))).contains("shutdown-timeout: 30s");

        Map<String, Object> secret = map(byKind.get("Secret"), "stringData");
        assertThat(secret).containsKeys("CARAVAN_API_KEY", "CARAVAN_ADMIN_KEY", "CARAVAN_DATABASE_PASSWORD");
        assertThat(((List<Map<String, Object>>) container.get("envFrom")).get(0))
                .isEqualTo(Map.of("secretRef", Map.of("name", map(byKind.get("Secret"), "metadata").get("name"))));
        Map<String, Object> servicePort = ((List<Map<String, Object>>) map(byKind.get("Service"), "spec")
                .get("ports")).get(0);
        assertThat(servicePort).containsEntry("targetPort", "http");
        assertThat(map(byKind.get("HorizontalPodAutoscaler"), "spec", "scaleTargetRef"))
                .containsEntry("kind", "Deployment")
                .containsEntry("name", map(byKind.get("Deployment"), "metadata").get("name"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> node, String... path) {
        Map<String, Object> current = node;
        for (String key : path) {
            current = (Map<String, Object>) current.get(key);
        }
        return current;
    }
}
