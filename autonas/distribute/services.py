"""The chief's gRPC services: KerasTuner's `Oracle` service and autonas's heartbeat, answered through `Leases`.

Workers are ordinary KerasTuner clients for the `Oracle` service; the
``autonas.Chief`` service beside it (`autonas.distribute.protocol`) carries
heartbeats and trial messages. The `Oracle` service's methods are plain
functions, run by the chief's asyncio server in its thread pool; the heartbeat
is a coroutine answered on the server's event loop, so a pool full of calls
waiting for the oracle's lock never delays it.
"""

import contextlib
import io

from autonas._compat import keras_tuner as _kt
from autonas.distribute import protocol


def _servicer_class():
    import keras_tuner
    from keras_tuner.engine import trial as trial_module

    service, msgs = _kt.service(), _kt.messages()

    class OracleServicer(service.OracleServicer):
        """KerasTuner's `Oracle` service, answered through `Leases`.

        Every call runs under the leases' lock with stdout silenced: KerasTuner
        prints while converting conditional hyperparameters to protos, and the
        lock keeps that silence from swallowing the progress display's lines.
        """

        def __init__(self, leases):
            self.leases = leases

        @contextlib.contextmanager
        def _quiet(self):
            with _kt.oracle_lock(self.leases.oracle), contextlib.redirect_stdout(io.StringIO()):
                yield

        def GetSpace(self, request, context):
            with self._quiet():
                return msgs.GetSpaceResponse(hyperparameters=self.leases.oracle.get_space().to_proto())

        def UpdateSpace(self, request, context):
            with self._quiet():
                hps = keras_tuner.HyperParameters.from_proto(request.hyperparameters)
                self.leases.oracle.update_space(hps)
            return msgs.UpdateSpaceResponse()

        def CreateTrial(self, request, context):
            tuner_id = protocol.tuner_id_from_context(context) or request.tuner_id
            trial = self.leases.create_trial(tuner_id)
            with self._quiet():
                return msgs.CreateTrialResponse(trial=trial.to_proto())

        def UpdateTrial(self, request, context):
            trial = self.leases.update_trial(protocol.tuner_id_from_context(context), request.trial_id,
                                             dict(request.metrics), step=request.step)
            with self._quiet():
                return msgs.UpdateTrialResponse(trial=trial.to_proto())

        def EndTrial(self, request, context):
            with self._quiet():
                trial = trial_module.Trial.from_proto(request.trial)
            self.leases.end_trial(protocol.tuner_id_from_context(context), trial)
            return msgs.EndTrialResponse()

        def GetTrial(self, request, context):
            with self._quiet():
                return msgs.GetTrialResponse(trial=self.leases.oracle.get_trial(request.trial_id).to_proto())

        def GetBestTrials(self, request, context):
            with self._quiet():
                trials = self.leases.oracle.get_best_trials(request.num_trials)
                return msgs.GetBestTrialsResponse(trials=[t.to_proto() for t in trials])

    return OracleServicer


def _autonas_handler(leases):
    """The ``autonas.Chief`` service: heartbeats on the server's event loop, trial messages in its threads.

    The heartbeat is a coroutine: it runs on the event loop of the chief's
    asyncio server and takes no lock, so it never waits for a server thread
    (those serve the calls that queue for the oracle's lock).
    """
    import grpc

    async def heartbeat(request, context):
        body = protocol.decode(request)
        return leases.heartbeat(protocol.tuner_id_from_context(context), body.get("trial_id"), body.get("generation"))

    def trial_message(request, context):
        body = protocol.decode(request)
        leases.set_message(protocol.tuner_id_from_context(context), body.get("trial_id"), body.get("message", ""))
        return {}

    def method(fn):
        return grpc.unary_unary_rpc_method_handler(fn, request_deserializer=None,
                                                   response_serializer=protocol.encode)

    return grpc.method_handlers_generic_handler(protocol.SERVICE, {
        "Heartbeat": method(heartbeat),
        "TrialMessage": method(trial_message),
    })
