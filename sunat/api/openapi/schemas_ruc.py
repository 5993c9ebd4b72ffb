"""The component schemas of a lookup: SUNAT's answer, the padrón's answer and the sections."""

from sunat.jsonschema import DATE_TEXT, nullable, obj, ref, text
from sunat.lookups.pages import SECTION_PAGES
from sunat.upstream.clients import SECTIONS
from sunat.upstream.parser import FIELDS

# One entry per key of sunat.upstream.parser.FIELDS, in the same order (checked below).
_SUNAT_FIELDS = {
    "ruc": text("RUC de 11 dígitos.", pattern="^[0-9]{11}$"),
    "razonSocial": nullable("string", "Nombre o razón social."),
    "nombreComercial": nullable("string", "Nombre comercial; null si SUNAT muestra «-»."),
    "tipoContribuyente": nullable("string", "Tipo de contribuyente (p. ej. SOCIEDAD ANONIMA CERRADA)."),
    "tipoDocumento": nullable("string", "Tipo de documento de identidad (DNI, CE...; personas naturales)."),
    "numeroDocumento": nullable("string", "Número del documento de identidad; null para empresas."),
    "estado": nullable("string", "Estado del contribuyente (ACTIVO, BAJA DE OFICIO...)."),
    "condicion": nullable("string", "Condición del domicilio fiscal (HABIDO, NO HABIDO...)."),
    "fechaInscripcion": nullable("string", f"{DATE_TEXT} de inscripción.", format="date"),
    "fechaInicioActividades": nullable("string", f"{DATE_TEXT} de inicio de actividades.", format="date"),
    "fechaBaja": nullable("string", f"{DATE_TEXT} de baja; null si no está de baja.", format="date"),
    "direccion": nullable("string", "Domicilio fiscal tal como lo muestra SUNAT; null si SUNAT lo reserva."),
    "departamento": nullable("string", "Departamento, tomado del final de la dirección."),
    "provincia": nullable("string", "Provincia, tomada del final de la dirección."),
    "distrito": nullable("string", "Distrito, tomado del final de la dirección."),
    "ubigeo": nullable("string", "Código INEI de 6 dígitos del distrito; null sin dirección.",
                       pattern="^[0-9]{6}$"),
    "sistemaEmision": nullable("string", "Sistema de emisión de comprobantes."),
    "actividadComercioExterior": nullable("string", "Actividad de comercio exterior."),
    "sistemaContabilidad": nullable("string", "Sistema de contabilidad."),
    "actividadesEconomicas": {"type": "array", "description": "Actividades económicas, la principal primero.",
                              "items": ref("ActividadEconomica")},
    "comprobantesPago": {"type": "array", "description": "Comprobantes de pago autorizados (impresión).",
                         "items": {"type": "string"}},
    "sistemaEmisionElectronica": {"type": "array", "description": "Sistemas de emisión electrónica, uno por línea.",
                                  "items": {"type": "string"}},
    "emisorElectronicoDesde": nullable("string", f"{DATE_TEXT} desde la que emite electrónicamente.", format="date"),
    "comprobantesElectronicos": {"type": "array", "description": "Comprobantes electrónicos y desde cuándo.",
                                 "items": ref("ComprobanteElectronico")},
    "afiliadoPleDesde": nullable("string", f"{DATE_TEXT} de afiliación al PLE.", format="date"),
    "padrones": {"type": "array", "description": "Padrones en los que figura (agentes de retención, etc.).",
                 "items": {"type": "string"}},
}
if tuple(_SUNAT_FIELDS) != FIELDS:  # pragma: no cover - caught by the tests as well
    raise RuntimeError("sunat.api.openapi: the SUNAT answer's properties must be sunat.upstream.parser.FIELDS, in order")

_REGISTER_TITLES = {
    "agenteRetencion": "Agente de retención del IGV", "agentePercepcion": "Agente de percepción del IGV",
    "agentePercepcionVentaInterna": "Agente de percepción del IGV en la venta interna",
    "buenContribuyente": "Buen contribuyente",
}
# On every answer about a RUC once the register is imported (sunat.registers.annotations): absent
# before, so that "not in the register" (null) and "never imported" differ.
_REGISTER_FIELDS = {
    **{field: {"oneOf": [ref("EnRegistro"), {"type": "null"}],
               "description": f"{title}: desde cuándo y por qué resolución, según el registro de SUNAT importado; "
                              "null si no figura en él. Falta si ese registro nunca se importó."}
       for field, title in _REGISTER_TITLES.items()},
    "registrosActualizadosEn": obj(
        {field: text(f"{DATE_TEXT} del registro en uso ({title}).", format="date")
         for field, title in _REGISTER_TITLES.items()},
        "La fecha de cada registro importado en uso, con el nombre de su campo. Falta si no hay ninguno.",
        required=[]),
}

_UPDATED_SUNAT = text("Cuándo se consultó a SUNAT (UTC, AAAA-MM-DDTHH:MM:SSZ).", format="date-time")
_UPDATED_REGISTER = text("Cuándo se consultó a SUNAT, o (fuente padron) la fecha del registro importado "
                         "(UTC, AAAA-MM-DDTHH:MM:SSZ).", format="date-time")
_REGISTER_SOURCE = ("sunat: la página de SUNAT. padron: el registro masivo de SUNAT importado (sin código, tipo ni "
                    "actividad, que el archivo no trae), mientras no haya una consulta a SUNAT guardada; "
                    "fresh=true consulta a SUNAT.")

_DOMICILIO_KEYS = ("tipoVia", "nombreVia", "codigoZona", "tipoZona", "numero", "interior", "lote",
                   "departamento", "manzana", "kilometro")


def ruc_schemas() -> dict:
    schemas = {
        "RespuestaSunat": obj(
            {**_SUNAT_FIELDS,
             "secciones": {"type": "array", "items": {"enum": list(SECTIONS)}, "uniqueItems": True,
                           "description": "Las secciones que la ficha de SUNAT ofrece para este RUC (sus botones). "
                                          "Las demás se responden vacías sin consultar a SUNAT. Falta en "
                                          "respuestas guardadas antes de que se registraran."},
             "estadoActualizadoEn": text(
                 "Solo cuando el Padrón Reducido de SUNAT importado después de la consulta cambió el estado o la "
                 "condición: la fecha de ese padrón (UTC, AAAA-MM-DDTHH:MM:SSZ), de la que son el estado y la "
                 "condición de esta respuesta; el resto es de actualizadoEn.", format="date-time"),
             **_REGISTER_FIELDS,
             "fuente": {"const": "sunat", "description": "De dónde viene la respuesta: la ficha RUC de SUNAT."},
             "actualizadoEn": _UPDATED_SUNAT},
            "La ficha RUC de SUNAT. Los valores son null donde SUNAT muestra «-» o «NINGUNO»; "
            "las listas están vacías cuando no hay nada.",
            required=[*_SUNAT_FIELDS, "fuente", "actualizadoEn"],
        ),
        "RespuestaPadron": obj({
            "ruc": text("RUC de 11 dígitos.", pattern="^[0-9]{11}$"),
            "razonSocial": nullable("string", "Nombre o razón social."),
            "estado": nullable("string", "Estado del contribuyente."),
            "condicion": nullable("string", "Condición de domicilio."),
            "direccion": nullable("string", "Dirección armada con las partes del domicilio, como la escribe SUNAT."),
            "ubigeo": nullable("string", "Código INEI del distrito, tal como figura en el padrón."),
            "departamento": nullable("string", "Departamento, según el ubigeo."),
            "provincia": nullable("string", "Provincia, según el ubigeo."),
            "distrito": nullable("string", "Distrito, según el ubigeo."),
            "domicilio": ref("Domicilio"),
            **_REGISTER_FIELDS,
            "fuente": {"const": "padron",
                       "description": "De dónde viene la respuesta: el Padrón Reducido importado."},
            "actualizadoEn": nullable("string", "Fecha del archivo del padrón (UTC, AAAA-MM-DDTHH:MM:SSZ).",
                                      format="date-time"),
        }, "Lo que tiene el Padrón Reducido de SUNAT importado (menos campos que la ficha RUC).",
            required=["ruc", "razonSocial", "estado", "condicion", "direccion", "ubigeo", "departamento",
                      "provincia", "distrito", "domicilio", "fuente", "actualizadoEn"]),
        "EnRegistro": obj({
            "desde": nullable("string", f"{DATE_TEXT} desde la que figura («A partir del»).", format="date"),
            "resolucion": nullable("string", "La resolución que lo designa, como la escribe SUNAT."),
        }, "Un RUC en un registro de SUNAT."),
        "Domicilio": obj({key: {"type": ["string", "null"]} for key in _DOMICILIO_KEYS},
                         "Las partes del domicilio fiscal según el padrón; null las vacías."),
        "RespuestaRuc": {
            "description": "Respuesta de una consulta: la ficha de SUNAT (fuente «sunat») o el padrón "
                           "(fuente «padron»).",
            "oneOf": [ref("RespuestaSunat"), ref("RespuestaPadron")],
        },
        "ActividadEconomica": obj({
            "tipo": nullable("string", "Principal, Secundaria 1, ..."),
            "ciiu": nullable("string", "Código CIIU."),
            "descripcion": nullable("string", "Descripción de la actividad."),
        }, "Una actividad económica."),
        "ComprobanteElectronico": obj({
            "tipo": nullable("string", "Tipo de comprobante (FACTURA, BOLETA...)."),
            "desde": nullable("string", f"{DATE_TEXT} desde la que lo emite.", format="date"),
        }, "Un comprobante electrónico."),
        **{name: schema for section in SECTIONS.values() for name, schema in section.schemas.items()},
    }
    schemas["RespuestaCompleta"] = obj({
        "ficha": ref("RespuestaSunat"),
        "secciones": obj({name: ref(f"Resultado{section.answer_schema}") for name, section in SECTIONS.items()},
                         "Una entrada por sección pedida, en el orden de la ficha.", required=[]),
        "resumen": obj({name: {"type": "integer", "minimum": 0} for name in ("total", "ok", "error", "pendiente")},
                       "Cuántas secciones hay de cada estado."),
    }, "La ficha RUC de SUNAT y cada sección que ofrece, cada una con su estado.")
    for section in SECTIONS.values():
        schemas[f"Resultado{section.answer_schema}"] = {
            "description": f"{section.title}: ok (datos es lo que responde GET /api/ruc/{{ruc}}/{section.name}), "
                           "error o pendiente, como un RUC de un lote.",
            "oneOf": [obj({
                "estado": {"const": "ok"},
                "cache": {"enum": ["HIT", "MISS", "STALE"], "description": "Como la cabecera X-Cache."},
                "datos": ref(section.answer_schema),
            }, f"{section.title}, resuelta."), ref("ResultadoLoteError"), ref("ResultadoLotePendiente")],
        }
        from_register = SECTION_PAGES[section.name].from_register is not None
        schemas[section.answer_schema] = obj({
            "ruc": text("RUC de 11 dígitos.", pattern="^[0-9]{11}$"),
            section.key: section.value_schema,
            "fuente": {"enum": ["sunat", "padron"], "description": _REGISTER_SOURCE} if from_register else
            {"const": "sunat", "description": "Siempre SUNAT."},
            "actualizadoEn": _UPDATED_REGISTER if from_register else _UPDATED_SUNAT,
        }, section.description)
    return schemas
