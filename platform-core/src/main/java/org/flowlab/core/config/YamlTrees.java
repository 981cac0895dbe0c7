package org.flowlab.core.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads YAML text into a Jackson tree in one pass of the streaming parser, recording where every
 * key and list element was written, rejecting duplicate keys with both locations, and remembering
 * which string values were plain (unquoted, untagged) scalars.
 */
final class YamlTrees {
  /** Turns a 1-based line and column into the text a message starts with. */
  interface Locator {
    String at(int line, int column);
  }

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final YAMLFactory factory;
  private final String text;
  private final Locator locator;
  private final Locations index;
  private final Map<String, String> firstSeen = new HashMap<>();

  private YamlTrees(YAMLFactory factory, String text, Locator locator, Locations index) {
    this.factory = factory;
    this.text = text;
    this.locator = locator;
    this.index = index;
  }

  /**
   * Reads one YAML document.
   *
   * @param prefix dotted path the document's values live under ("" for a whole file)
   * @param index receives the locations of {@code prefix} and every key below it
   * @return the document's root value, or null when the text holds no document at all
   * @throws ConfigException for syntax errors, duplicate keys and more than one document
   */
  static JsonNode read(
      YAMLFactory factory, String text, String prefix, Locator locator, Locations index) {
    return new YamlTrees(factory, text, locator, index).read(prefix);
  }

  private JsonNode read(String prefix) {
    try (JsonParser p = factory.createParser(text)) {
      JsonToken first = p.nextToken();
      if (first == null) {
        return null;
      }
      index.put(prefix, where(p.currentTokenLocation()));
      JsonNode root = value(p, first, prefix);
      if (p.nextToken() != null) {
        throw new ConfigException(
            where(p.currentTokenLocation()),
            "",
            "a config holds one YAML document, found a second one here");
      }
      return root;
    } catch (JsonProcessingException e) {
      throw syntaxError(e);
    } catch (IOException e) {
      throw new ConfigException(locator.at(1, 1), "", "cannot read YAML: " + e.getMessage());
    }
  }

  private JsonNode value(JsonParser p, JsonToken t, String path) throws IOException {
    switch (t) {
      case START_OBJECT:
        {
          ObjectNode node = NODES.objectNode();
          for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
            String name = p.currentName();
            String child = Locations.child(path, name);
            JsonLocation loc = p.currentTokenLocation();
            if (node.has(name)) {
              throw new ConfigException(
                  where(loc),
                  child,
                  "duplicate key '" + name + "' (first given at " + firstSeen.get(child) + ")");
            }
            firstSeen.put(child, loc.getLineNr() + ":" + loc.getColumnNr());
            index.put(child, where(loc));
            node.set(name, value(p, p.nextToken(), child));
          }
          return node;
        }
      case START_ARRAY:
        {
          ArrayNode node = NODES.arrayNode();
          int i = 0;
          for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
            String child = path + "[" + i++ + "]";
            index.put(child, where(p.currentTokenLocation()));
            node.add(value(p, e, child));
          }
          return node;
        }
      case VALUE_STRING:
        {
          String s = p.getText();
          if (startsWith(p.currentTokenLocation(), '*')) {
            throw new ConfigException(
                where(p.currentTokenLocation()),
                path,
                "YAML aliases (*" + s + ") are not supported; write the value out");
          }
          boolean plain = isPlain(p.currentTokenLocation());
          if (plain && s.isEmpty()) {
            return NODES.nullNode(); // "key:" with nothing after it
          }
          if (plain) {
            index.markPlain(path);
          }
          return NODES.textNode(s);
        }
      case VALUE_NUMBER_INT:
        switch (p.getNumberType()) {
          case INT:
            return NODES.numberNode(p.getIntValue());
          case LONG:
            return NODES.numberNode(p.getLongValue());
          default:
            return NODES.numberNode(p.getBigIntegerValue());
        }
      case VALUE_NUMBER_FLOAT:
        return NODES.numberNode(decimal(p, path));
      case VALUE_TRUE:
        return NODES.booleanNode(true);
      case VALUE_FALSE:
        return NODES.booleanNode(false);
      case VALUE_NULL:
        return NODES.nullNode();
      default:
        throw new ConfigException(
            where(p.currentTokenLocation()), path, "unsupported YAML value '" + p.getText() + "'");
    }
  }

  /** A float, including YAML's {@code .inf}, {@code -.inf} and {@code .nan}. */
  private double decimal(JsonParser p, String path) throws IOException {
    String s = p.getText().strip();
    switch (s.toLowerCase(java.util.Locale.ROOT)) {
      case ".inf", "+.inf" -> {
        return Double.POSITIVE_INFINITY;
      }
      case "-.inf" -> {
        return Double.NEGATIVE_INFINITY;
      }
      case ".nan" -> {
        return Double.NaN;
      }
      default -> {
        try {
          return p.getDoubleValue();
        } catch (JsonProcessingException e) {
          throw new ConfigException(
              where(p.currentTokenLocation()), path, "malformed number '" + s + "'");
        }
      }
    }
  }

  private boolean startsWith(JsonLocation loc, char c) {
    long offset = loc.getCharOffset();
    return offset >= 0 && offset < text.length() && text.charAt((int) offset) == c;
  }

  /** A plain scalar starts with none of the characters that quote, tag or fold it. */
  private boolean isPlain(JsonLocation loc) {
    long offset = loc.getCharOffset();
    if (offset < 0 || offset >= text.length()) {
      return true;
    }
    char c = text.charAt((int) offset);
    return "'\"!|>&*".indexOf(c) < 0;
  }

  private String where(JsonLocation loc) {
    return locator.at(Math.max(1, loc.getLineNr()), Math.max(1, loc.getColumnNr()));
  }

  private ConfigException syntaxError(JsonProcessingException e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof MarkedYAMLException m && m.getProblemMark() != null) {
        Mark mark = m.getProblemMark();
        StringBuilder problem = new StringBuilder("YAML syntax error: ").append(m.getProblem());
        if (m.getContext() != null) {
          problem.append(" (").append(m.getContext());
          Mark cm = m.getContextMark();
          if (cm != null) {
            problem.append(" at ").append(cm.getLine() + 1).append(':').append(cm.getColumn() + 1);
          }
          problem.append(')');
        }
        return new ConfigException(
            locator.at(mark.getLine() + 1, mark.getColumn() + 1), "", problem.toString());
      }
    }
    JsonLocation loc = e.getLocation();
    return new ConfigException(
        loc == null ? locator.at(1, 1) : where(loc),
        "",
        "YAML syntax error: " + e.getOriginalMessage().replaceAll(", got this instead: .*", ""));
  }
}
