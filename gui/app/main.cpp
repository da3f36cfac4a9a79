// shoal-monitor: loads the QML views (qml/Main.qml) over the Shoal.Monitor module's models.
// Qt 6.4 has no QQmlApplicationEngine::loadFromModule (6.5+): the main file is loaded by its
// resource URL (qrc:/qml/Main.qml). QtCharts (used by later views) needs a QApplication, not a
// QGuiApplication.
//
//   shoal-monitor            the window
//   shoal-monitor --check    load every view and exit: 0 when they load (CI, packaging checks)
#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QTimer>
#include <QtQml/qqmlextensionplugin.h>

Q_IMPORT_QML_PLUGIN(Shoal_MonitorPlugin)

int main(int argc, char** argv) {
  QGuiApplication app(argc, argv);
  QGuiApplication::setApplicationName("shoal-monitor");
  QGuiApplication::setOrganizationName("Shoal");
  const bool check = QCoreApplication::arguments().contains("--check");
  QQmlApplicationEngine engine;
  QObject::connect(&engine, &QQmlApplicationEngine::objectCreationFailed, &app, [] { QCoreApplication::exit(1); },
                   Qt::QueuedConnection);
  engine.load(QUrl(QStringLiteral("qrc:/qml/Main.qml")));
  if (engine.rootObjects().isEmpty()) return 1;
  if (check) QTimer::singleShot(0, &app, [] { QCoreApplication::exit(0); });
  return QGuiApplication::exec();
}
