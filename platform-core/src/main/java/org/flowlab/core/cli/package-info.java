/** The {@code flowlab} command line: run, validate, plugins, runs, sync. */
package org.flowlab.core.cli;
