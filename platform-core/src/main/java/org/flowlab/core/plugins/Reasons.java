package org.flowlab.core.plugins;

import com.google.inject.ConfigurationException;
import com.google.inject.CreationException;
import com.google.inject.ProvisionException;
import com.google.inject.spi.Message;
import java.lang.reflect.InvocationTargetException;
import java.util.Collection;
import org.pf4j.PluginRuntimeException;

/** Turns a failure into the one-line reason {@code flowlab plugins} prints. */
final class Reasons {
  private Reasons() {}

  /** {@code context: Type: message} of the most telling cause, on one line. */
  static String of(String context, Throwable failure) {
    StringBuilder line = new StringBuilder(context == null ? "" : context);
    Throwable current = failure;
    while (current instanceof PluginRuntimeException && current.getCause() != null) {
      append(line, current.getMessage());
      current = current.getCause();
    }
    Throwable cause = unwrap(current);
    String message = message(cause);
    if (cause instanceof PluginRuntimeException && message != null && !message.isBlank()) {
      append(line, message);
    } else {
      String type = cause.getClass().getSimpleName();
      append(line, message == null || message.isBlank() ? type : type + ": " + message);
    }
    return oneLine(line.toString());
  }

  private static void append(StringBuilder line, String part) {
    if (part == null || part.isBlank()) {
      return;
    }
    if (line.length() > 0) {
      line.append(": ");
    }
    line.append(part);
  }

  /** Skips the wrappers (reflection, Guice) and returns the exception that says what went wrong. */
  static Throwable unwrap(Throwable failure) {
    Throwable current = failure;
    while (true) {
      Throwable next = null;
      if (current instanceof InvocationTargetException ite) {
        next = ite.getCause();
      } else if (current instanceof ProvisionException pe) {
        next = guiceCause(pe.getErrorMessages(), pe.getCause());
      } else if (current instanceof CreationException ce) {
        next = guiceCause(ce.getErrorMessages(), ce.getCause());
      } else if (current instanceof ConfigurationException ce) {
        next = guiceCause(ce.getErrorMessages(), ce.getCause());
      } else if (current instanceof ExceptionInInitializerError eiie) {
        next = eiie.getCause();
      }
      if (next == null || next == current) {
        return current;
      }
      current = next;
    }
  }

  private static Throwable guiceCause(Collection<Message> messages, Throwable cause) {
    for (Message m : messages) {
      if (m.getCause() != null) {
        return m.getCause();
      }
    }
    return cause;
  }

  private static String message(Throwable t) {
    if (t instanceof ProvisionException pe) {
      return firstMessage(pe.getErrorMessages());
    } else if (t instanceof CreationException ce) {
      return firstMessage(ce.getErrorMessages());
    } else if (t instanceof ConfigurationException ce) {
      return firstMessage(ce.getErrorMessages());
    }
    return t.getMessage();
  }

  private static String firstMessage(Collection<Message> messages) {
    return messages.isEmpty() ? null : messages.iterator().next().getMessage();
  }

  private static String oneLine(String text) {
    String flat = text.strip().replaceAll("\\s*\\R\\s*", " ");
    return flat.length() > 300 ? flat.substring(0, 297) + "..." : flat;
  }
}
