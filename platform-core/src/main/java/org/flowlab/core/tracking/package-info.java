/**
 * Run tracking: a local run store that needs nothing installed, and an MLflow mirror over REST that
 * spools while the server is unreachable.
 */
package org.flowlab.core.tracking;
