package dev.charttestware.elasticsearch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.PluginsLoader;

/**
 * Starts one Elasticsearch node from the jars Maven Central publishes (the distribution's own bootstrap needs files
 * the published jars lack). It does what the bootstrap's init phases do, minus the security manager, the root check
 * and the stdin handshake: logging first, the environment from -Ekey=value arguments, the module and plugin bundles,
 * then Node; SIGTERM closes the node.
 */
public final class Launcher {
  private Launcher() {}

  public static void main(String[] args) throws Exception {
    // ES logging must be configured before anything asks LoggerFactory for a logger (else an NPE in provider()).
    LogConfigurator.registerErrorListener();
    LogConfigurator.configureESLogging();

    Map<String, String> overrides = new HashMap<>();
    for (String arg : args) {
      if (!arg.startsWith("-E") || !arg.contains("=")) {
        System.err.println("elasticsearch launcher: unknown argument " + arg + " (expected -Ekey=value)");
        System.exit(64);
      }
      String pair = arg.substring(2);
      int eq = pair.indexOf('=');
      overrides.put(pair.substring(0, eq), pair.substring(eq + 1));
    }
    String home = System.getProperty("es.path.home");
    if (home == null) {
      System.err.println("elasticsearch launcher: set -Des.path.home=<the distribution folder>");
      System.exit(64);
    }
    Path homePath = Path.of(home).toAbsolutePath();
    Environment environment = InternalSettingsPreparer.prepareEnvironment(
        Settings.builder().put("path.home", homePath.toString()).build(),
        overrides,
        homePath.resolve("config"),
        () -> System.getenv().getOrDefault("HOSTNAME", "chart-testware"));
    LogConfigurator.setNodeName(Node.NODE_NAME_SETTING.get(environment.settings()));
    LogConfigurator.configure(environment, true);
    Files.createDirectories(environment.logsDir());

    PluginsLoader plugins = PluginsLoader.createPluginsLoader(
        PluginsLoader.loadModulesBundles(environment.modulesDir()),
        PluginsLoader.loadPluginsBundles(environment.pluginsDir()),
        Map.of());
    Node node = new Node(environment, plugins);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        node.prepareForClose();
        node.close();
        node.awaitClose(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        e.printStackTrace();
      } finally {
        stopped.countDown();
      }
    }, "elasticsearch-shutdown"));
    node.start();
    // Keep a non-daemon thread alive until the shutdown hook has closed the node.
    Thread keepAlive = new Thread(() -> {
      try {
        stopped.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "elasticsearch-keepalive");
    keepAlive.setDaemon(false);
    keepAlive.start();
  }
}
