"""The code that runs inside a sandbox job, and the only part of the project a job can see
(`isolation` binds this package alone): the runner, the catalog of examples, their Keras models,
datasets and training, the layer table, and the events protocol on stdout. It imports nothing
from the host side: not `kb`, not `api`, not the rest of `training_sandbox`."""
