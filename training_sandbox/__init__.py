"""The training sandbox: runs the guides' Keras starter examples as isolated jobs."""
