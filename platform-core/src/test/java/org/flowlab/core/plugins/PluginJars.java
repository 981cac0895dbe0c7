package org.flowlab.core.plugins;

import static java.nio.charset.StandardCharsets.UTF_8;

import ai.djl.ndarray.NDManager;
import com.google.inject.Module;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.flowlab.api.spi.FlowFamily;
import org.pf4j.ExtensionPoint;
import org.pf4j.processor.ExtensionAnnotationProcessor;

/**
 * Builds real PF4J plugins for tests: compiles Java sources against platform-api, PF4J, DJL,
 * jakarta.inject and Guice with PF4J's annotation processor (which writes {@code
 * META-INF/extensions.idx}), then writes a jar with {@code plugin.properties} at its root, or a
 * development-mode source module ({@code <dir>/<id>/plugin.properties} plus {@code
 * target/classes}).
 */
final class PluginJars {
  private PluginJars() {}

  /** Starts a plugin with this id and version 1.0.0. */
  static Builder plugin(String id) {
    return new Builder(id);
  }

  /** The source of a minimal family extension named {@code familyName}. */
  static String family(String pkg, String cls, String familyName, String description) {
    return """
        package %s;

        import org.flowlab.api.flow.Flow;
        import org.flowlab.api.spi.BuildContext;
        import org.flowlab.api.spi.FlowFamily;
        import org.pf4j.Extension;

        @Extension
        public class %s implements FlowFamily<%s.Config> {
          public record Config(int depth) {}

          public String name() { return "%s"; }
          public String description() { return "%s"; }
          public Class<Config> configType() { return Config.class; }
          public Flow build(Config config, BuildContext context) {
            throw new UnsupportedOperationException();
          }
        }
        """
        .formatted(pkg, cls, cls, familyName, description);
  }

  /** One plugin under construction. */
  static final class Builder {
    private final String id;
    private String version = "1.0.0";
    private String pluginClass;
    private String rawProperties;
    private final Map<String, String> sources = new LinkedHashMap<>();
    private final Map<String, byte[]> extraEntries = new LinkedHashMap<>();
    private final Set<String> omitted = new HashSet<>();

    private Builder(String id) {
      this.id = id;
    }

    Builder version(String v) {
      this.version = v;
      return this;
    }

    /** Adds a compilation unit, e.g. {@code source("org.x.Foo", "package org.x; ...")}. */
    Builder source(String className, String javaSource) {
      sources.put(className, javaSource);
      return this;
    }

    Builder pluginClass(String className) {
      this.pluginClass = className;
      return this;
    }

    /** Replaces the generated {@code plugin.properties} with this text. */
    Builder rawProperties(String text) {
      this.rawProperties = text;
      return this;
    }

    /** Bundles a copy of a class from the test's class path (as a plugin jar might by mistake). */
    Builder bundleCopyOf(Class<?> type) {
      String entry = type.getName().replace('.', '/') + ".class";
      try (InputStream in = type.getClassLoader().getResourceAsStream(entry)) {
        extraEntries.put(entry, in.readAllBytes());
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      return this;
    }

    /** Compiles this class but leaves it out of the plugin (the index still names it). */
    Builder omitClass(String className) {
      omitted.add(className.replace('.', '/') + ".class");
      return this;
    }

    /**
     * Leaves {@code META-INF/extensions.idx} out of the jar, as a build without PF4J's processor.
     */
    Builder withoutExtensionIndex() {
      omitted.add(PluginChecks.EXTENSION_INDEX);
      return this;
    }

    /** Writes {@code <dir>/flowlab-<id>.jar}. */
    Path writeJar(Path dir) throws IOException {
      Path classes = Files.createTempDirectory("plugin-classes");
      compile(classes);
      Path jar = dir.resolve("flowlab-" + id + ".jar");
      try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
        put(out, "plugin.properties", properties().getBytes(UTF_8));
        for (Path file : files(classes)) {
          String entry = classes.relativize(file).toString().replace('\\', '/');
          if (!omitted.contains(entry)) {
            put(out, entry, Files.readAllBytes(file));
          }
        }
        for (Map.Entry<String, byte[]> e : extraEntries.entrySet()) {
          put(out, e.getKey(), e.getValue());
        }
      }
      return jar;
    }

    /**
     * Writes {@code <dir>/flowlab-<id>.zip} in PF4J's zip layout: classes under {@code classes/}.
     */
    Path writeZip(Path dir) throws IOException {
      Path classes = Files.createTempDirectory("plugin-classes");
      compile(classes);
      Path zip = dir.resolve("flowlab-" + id + ".zip");
      try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(zip))) {
        put(out, "plugin.properties", properties().getBytes(UTF_8));
        for (Path file : files(classes)) {
          put(
              out,
              "classes/" + classes.relativize(file).toString().replace('\\', '/'),
              Files.readAllBytes(file));
        }
      }
      return zip;
    }

    /** Writes a development-mode module: {@code <dir>/<id>/plugin.properties} and classes. */
    Path writeSourceModule(Path dir) throws IOException {
      Path module = Files.createDirectories(dir.resolve(id));
      Files.writeString(module.resolve("plugin.properties"), properties());
      compile(Files.createDirectories(module.resolve("target/classes")));
      return module;
    }

    private String properties() {
      if (rawProperties != null) {
        return rawProperties;
      }
      StringBuilder p = new StringBuilder();
      p.append("plugin.id=").append(id).append('\n');
      p.append("plugin.version=").append(version).append('\n');
      p.append("plugin.provider=Flowlab tests\n");
      if (pluginClass != null) {
        p.append("plugin.class=").append(pluginClass).append('\n');
      }
      return p.toString();
    }

    private void compile(Path out) throws IOException {
      if (sources.isEmpty()) {
        return;
      }
      JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
      List<JavaFileObject> units = new ArrayList<>();
      sources.forEach((name, text) -> units.add(new Source(name, text)));
      List<String> options =
          List.of(
              "--release",
              "17",
              "-implicit:none",
              "-d",
              out.toString(),
              "-classpath",
              classPath(),
              "-processorpath",
              jarOf(ExtensionAnnotationProcessor.class),
              "-processor",
              ExtensionAnnotationProcessor.class.getName());
      StringWriter log = new StringWriter();
      boolean ok = javac.getTask(log, null, null, options, null, units).call();
      if (!ok) {
        throw new IllegalStateException("plugin " + id + " does not compile:\n" + log);
      }
    }
  }

  private static void put(JarOutputStream out, String name, byte[] bytes) throws IOException {
    out.putNextEntry(new JarEntry(name));
    out.write(bytes);
    out.closeEntry();
  }

  private static List<Path> files(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile).sorted().toList();
    }
  }

  /** Where platform-api, PF4J, DJL, jakarta.inject and Guice come from on the test class path. */
  private static String classPath() {
    return Stream.of(
            FlowFamily.class, ExtensionPoint.class, NDManager.class, Inject.class, Module.class)
        .map(PluginJars::jarOf)
        .distinct()
        .collect(Collectors.joining(java.io.File.pathSeparator));
  }

  private static String jarOf(Class<?> type) {
    try {
      return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** An in-memory compilation unit. */
  private static final class Source extends SimpleJavaFileObject {
    private final String text;

    Source(String className, String text) {
      super(
          java.net.URI.create("string:///" + className.replace('.', '/') + Kind.SOURCE.extension),
          Kind.SOURCE);
      this.text = text;
    }

    @Override
    public CharSequence getCharContent(boolean ignoreEncodingErrors) {
      return text;
    }
  }
}
