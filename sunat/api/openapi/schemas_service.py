"""The component schemas of the batch, the search, the health check and the errors."""

from sunat.jsonschema import count, nullable, obj, ref, text
from sunat.lookups.batch import MAX_RUCS, PENDING_RETRY_AFTER
from sunat.tasks import WORKER_LATE_AFTER
from sunat.upstream.status import FAILING_AFTER


def service_schemas() -> dict:
    return {
        "SolicitudLote": {
            "type": "object",
            "description": f"Hasta {MAX_RUCS} RUC; los repetidos se responden (y se cuentan) una vez.",
            "properties": {"rucs": {"type": "array", "minItems": 1, "maxItems": MAX_RUCS,
                                    "items": {"type": "string"},
                                    "description": "Los RUC a consultar, cada uno un texto (si uno no lo es: 400 "
                                                   "parametro_invalido). Un texto que no es un RUC válido se "
                                                   "responde como ruc_invalido en su resultado."}},
            "required": ["rucs"],
            "examples": [{"rucs": ["20573215045", "20100070970"]}],
        },
        "RespuestaLote": obj({
            "resultados": {
                "type": "object",
                "description": "Un resultado por RUC distinto, con el RUC enviado (sin espacios alrededor, "
                               "hasta 64 caracteres) como clave, en el orden enviado.",
                "additionalProperties": ref("ResultadoLote"),
            },
            "resumen": obj({name: {"type": "integer", "minimum": 0} for name in ("total", "ok", "error", "pendiente")},
                           "Cuántos resultados hay de cada estado."),
        }, "El resultado de cada RUC del lote y un resumen."),
        "ResultadoLote": {
            "description": "El resultado de un RUC del lote: ok, error o pendiente.",
            "oneOf": [ref("ResultadoLoteOk"), ref("ResultadoLoteError"), ref("ResultadoLotePendiente")],
        },
        "ResultadoLoteOk": obj({
            "estado": {"const": "ok"},
            "cache": {"enum": ["HIT", "MISS", "STALE"], "description": "Como la cabecera X-Cache de la consulta."},
            "datos": ref("RespuestaRuc"),
        }, "Consulta resuelta: datos es lo mismo que responde GET /api/ruc/{ruc}."),
        "ResultadoLoteError": obj({
            "estado": {"const": "error"},
            "error": text("Código: ruc_invalido, ruc_no_encontrado, sunat_no_disponible, sunat_ocupado, "
                          "sunat_timeout o error_interno."),
            "detail": text("Mensaje en español."),
            "reintentarEn": {"type": "integer", "minimum": 0,
                             "description": "Segundos sugeridos antes de reintentar (cuando SUNAT falló)."},
        }, "Consulta fallida, con los códigos de la consulta individual.", required=["estado", "error", "detail"]),
        "ResultadoLotePendiente": obj({
            "estado": {"const": "pendiente"},
            "detail": text("Mensaje en español."),
            "reintentarEn": {"type": "integer", "minimum": 0,
                             "description": "Segundos sugeridos antes de volver a pedir el lote "
                                            f"({PENDING_RETRY_AFTER})."},
        }, "La consulta a SUNAT sigue en curso al vencer el plazo del lote; pídalo de nuevo y vendrá del caché."),
        "PaginaBusqueda": obj({
            "q": text("El texto buscado, sin espacios alrededor."),
            "pagina": {"type": "integer", "minimum": 1},
            "porPagina": {"type": "integer", "minimum": 1},
            "hayMas": {"type": "boolean", "description": "Si existe una página siguiente."},
            "resultados": {"type": "array", "items": ref("RespuestaPadron"),
                           "description": "Contribuyentes del padrón, los más parecidos primero."},
        }, "Una página de resultados de la búsqueda por nombre."),
        "Salud": obj({
            "status": {"enum": ["ok", "degraded", "error"],
                       "description": "ok; degraded si el caché no responde, si SUNAT rechaza todas las formas de "
                                      "consulta, si el servicio está pausado (no le consulta por un tiempo), si las "
                                      f"últimas {FAILING_AFTER} consultas a SUNAT fallaron, o si hay tareas "
                                      "programadas y el worker de la cola de tareas no late hace más de "
                                      f"{WORKER_LATE_AFTER // 60} minutos (reasons dice por qué); error si la base "
                                      "de datos no responde."},
            "cache": obj({
                "backend": text("redis o locmem."),
                "ok": {"type": "boolean"},
                "circuit": obj({
                    "state": {"enum": ["open", "closed"],
                              "description": "open: Redis fuera de uso, se responde con un caché en memoria."},
                    "since": nullable("string", "Desde cuándo está en ese estado."),
                }, "Solo con Redis: el estado del cortacircuitos."),
            }, "El caché.", required=["backend", "ok"]),
            "database": obj({"vendor": text("sqlite o postgresql."), "ok": {"type": "boolean"}},
                            "La base de datos."),
            "upstream": obj({
                "waiting": count("Solicitudes de este proceso que esperan a SUNAT."),
                "running": count("Consultas a SUNAT en curso en este proceso."),
                "queued": obj({"live": count("Consultas en vivo."), "batch": count("RUC de lotes."),
                               "background": count("Actualizaciones en segundo plano.")},
                              "Consultas en cola en este proceso, por prioridad."),
                "backlog": count("RUC de lotes y actualizaciones pendientes en este proceso."),
                "pausedFor": {"type": "number", "minimum": 0,
                              "description": "Segundos que faltan sin consultar a SUNAT (su firewall nos rechazó, "
                                             "o no respondió); 0 si se le consulta."},
            }, "El trabajo con SUNAT del proceso que respondió."),
            "sunat": obj({
                "client": {"enum": ["auto", "http", "selenium"], "description": "SUNAT_CLIENT."},
                "flow": nullable("string", "La forma de consulta en uso (plain, numrnd-list, numrnd-captcha, "
                                           "browser); null si ninguna funciona o aún no se consultó."),
                "flowSince": nullable("string", "Desde cuándo está en uso."),
                "lastAnswer": nullable("string", "Cuándo respondió SUNAT por última vez."),
                "nothingWorksSince": nullable("string", "Desde cuándo SUNAT rechaza todas las formas; null si no."),
                "lastCheck": {"type": ["object", "null"], "description": "La última prueba de cada forma "
                              "(manage.py sunat_check, o la tarea cada SUNAT_CANARY_MINUTES): cuándo, y por forma "
                              "su resultado (aceptado, rechazado, falló, sin consultar), detalle y segundos."},
            }, "Cómo se consulta a SUNAT (README: How a lookup reaches SUNAT)."),
            "worker": {
                **obj({
                    "expected": {"type": "boolean", "description": "Si hay tareas programadas (manage.py "
                                 "sync_schedules): entonces se espera un worker que las ejecute. Sin ellas (un "
                                 "despliegue sin worker), su silencio no degrada el servicio."},
                    "lastHeartbeat": nullable("string", "Cuándo latió el worker por última vez: la tarea "
                                              "latido-del-worker, cada minuto (UTC, AAAA-MM-DDTHH:MM:SSZ); null si "
                                              "nunca.", format="date-time"),
                }, "El worker de la cola de tareas (manage.py qcluster)."),
                "type": ["object", "null"],
                "description": "El worker de la cola de tareas (manage.py qcluster); null si la base de datos no "
                               "responde.",
            },
            "reasons": {"type": "array", "description": "Solo con status degraded: por qué.",
                        "items": obj({"code": {"enum": ["cache_no_disponible", "sunat_sin_flujo", "sunat_bloqueado",
                                                        "sunat_sin_respuesta", "sunat_con_fallas",
                                                        "worker_sin_latido"]},
                                      "detail": text("En español.")}, "Un motivo.")},
        }, "El estado del servicio.", required=["status", "cache", "database", "upstream", "sunat", "worker"]),
        "SaludSonda": obj({"status": {"enum": ["ok"]}},
                          "El proceso responde (/health/live) o puede servir consultas (/health/ready)."),
        "Error": obj({
            "error": text("Código del error (ver cada respuesta). error_interno (500) es un error del servicio."),
            "detail": text("Mensaje en español, para mostrar al usuario."),
            "ruc": text("El RUC consultado (hasta 64 caracteres).", maxLength=64),
            "dni": text("El DNI consultado (hasta 64 caracteres).", maxLength=64),
            "campo": text("El parámetro o el campo del cuerpo que no es válido (GET /api/tipo-cambio, POST "
                          "/api/comprobantes/validar; hasta 64 caracteres).", maxLength=64),
        }, "Todos los errores tienen esta forma.", required=["error", "detail"]),
    }
